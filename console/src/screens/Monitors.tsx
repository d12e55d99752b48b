// The user's monitors, newest first a page at a time: each one's state, schedule (cron and
// zone), next run and latest result; a monitor's page with its runs (the answer, its
// sources and searches, whether the condition was met, why it notified or not, what
// changed, what it cost) and its actions (run now, a dry run, pause, resume), each after
// a confirmation, none when read-only.

import { api, type MonitorList, type MonitorListItem, type MonitorPage, type MonitorRun, type MonitorRunSummary } from "../api";
import { useState } from "react";
import { href, usePoll } from "../hooks";
import { Badge, ConfirmButton, ErrorBox, JsonView, money, Section, when } from "../ui";

const RUNNING = new Set(["pending", "running"]);

// Why a run notified or did not (monitor_executions.notify_reason), as a person says it.
const REASONS: Record<string, string> = {
  condition_met: "notified: the condition is met",
  state_changed: "notified: what it found changed",
  failures: "notified: it kept failing",
  condition_not_met: "not notified: the condition is not met",
  unchanged: "not notified: nothing changed",
  first_state: "not notified: the first facts it knows, nothing to compare with",
  already_notified: "not notified: already told",
  ungrounded: "not notified: the answer rests on no source",
  muted: "not notified: the monitor is muted",
  snoozed: "not notified: the monitor is snoozed",
  dry_run: "not notified: a dry run",
  failed: "not notified: the run failed",
};

export function reason(run: { notified: boolean; notify_reason: string | null; status: string }): string {
  if (run.notify_reason) return REASONS[run.notify_reason] ?? `${run.notified ? "notified" : "not notified"}: ${run.notify_reason}`;
  return RUNNING.has(run.status) ? "not judged yet" : run.notified ? "notified" : "not notified";
}

function yesNo(value: boolean | null | undefined): string {
  return value === null || value === undefined ? "–" : value ? "yes" : "no";
}

// Only web links are followed: a source's uri comes from a search, not from the console.
function safeUri(uri: string | undefined): string | null {
  if (!uri) return null;
  try {
    const url = new URL(uri);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function Monitors() {
  const list = usePoll<MonitorList>(
    () => api.monitors(),
    "monitors",
    (d) => (d?.monitors.some((m) => m.last_run && RUNNING.has(m.last_run.status)) ? 2000 : 30000),
  );
  // The first page is polled; the pages after it are read once each, by keyset.
  const [more, setMore] = useState<{ pages: MonitorListItem[]; cursor: string | null } | null>(null);
  const first = list.data?.monitors ?? [];
  const monitors = [...first, ...(more?.pages ?? []).filter((m) => !first.some((f) => f.id === m.id))];
  const cursor = more ? more.cursor : (list.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    const page = await api.monitors(cursor);
    setMore({ pages: [...(more?.pages ?? []), ...page.monitors], cursor: page.next_cursor });
  };
  return (
    <div>
      <h1>Monitors</h1>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? <p className="muted">Loading…</p> : null}
      {list.data && monitors.length === 0 ? (
        <p className="muted">No monitors yet: create one with create_monitor (see the README).</p>
      ) : null}
      {monitors.length > 0 ? (
        <table className="list monitors">
          <thead>
            <tr>
              <th>Monitor</th>
              <th>State</th>
              <th>Schedule</th>
              <th>Next run</th>
              <th className="wide">Last result</th>
            </tr>
          </thead>
          <tbody>
            {monitors.map((m) => (
              <MonitorRow key={m.id} monitor={m} />
            ))}
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <button onClick={() => void loadMore()} className="more">
          More monitors
        </button>
      ) : null}
    </div>
  );
}

function MonitorRow({ monitor: m }: { monitor: MonitorListItem }) {
  return (
    <tr data-monitor={m.id}>
      <td>
        <a href={href(`monitors/${m.id}`)}>{m.name}</a>
        <div className="muted small">{m.search_query}</div>
      </td>
      <td>
        <Badge status={m.state} />
        {m.muted ? <span className="muted small"> muted</span> : null}
      </td>
      <td>
        <code>{m.schedule}</code> <span className="muted small">{m.timezone}</span>
      </td>
      <td>{m.state === "active" ? when(m.next_run_at) : <span className="muted">–</span>}</td>
      <td>{m.last_run ? <LastRun run={m.last_run} /> : <span className="muted">never run</span>}</td>
    </tr>
  );
}

function LastRun({ run }: { run: MonitorRunSummary }) {
  return (
    <div className="last-run">
      <Badge status={run.status} /> <span className="muted small">{when(run.started_at)}</span>
      {run.dry_run ? <span className="muted small"> · dry run</span> : null}
      {run.status === "success" ? <span className="small"> · condition met: {yesNo(run.condition_met)}</span> : null}
      <div className="small">{reason(run)}</div>
      {run.answer ? <div className="muted small clamp">{run.answer}</div> : null}
    </div>
  );
}

export function MonitorScreen({ id, readOnly }: { id: string; readOnly: boolean }) {
  const page = usePoll<MonitorPage>(
    () => api.monitor(id),
    id,
    (d) => (d === null || d.runs.some((r) => RUNNING.has(r.status)) ? 2000 : 15000),
  );
  const [older, setOlder] = useState<{ runs: MonitorRun[]; cursor: string | null } | null>(null);
  const [done, setDone] = useState<string | null>(null); // what the last action did
  if (page.error && !page.data) return <ErrorBox error={page.error} />;
  if (!page.data) return <p className="muted">Loading…</p>;
  const { monitor: m, runs: first, next_cursor } = page.data;
  const runs = [...first, ...(older?.runs ?? []).filter((r) => !first.some((f) => f.id === r.id))];
  const cursor = older ? older.cursor : next_cursor;
  const loadOlder = async () => {
    if (!cursor) return;
    const next = await api.monitor(id, cursor);
    setOlder({ runs: [...(older?.runs ?? []), ...next.runs], cursor: next.next_cursor });
  };
  const act = async (action: "run" | "pause" | "resume", notify = true) => {
    await api.monitorAction(id, action, action === "run" ? { notify } : undefined);
    setDone(
      action === "run"
        ? `${notify ? "A run" : "A dry run"} has started: it is the newest run below.`
        : action === "pause"
          ? "Paused: no run starts until you resume it."
          : "Resumed: it runs on its schedule again.",
    );
    page.reload();
  };

  return (
    <div>
      <p className="crumbs">
        <a href={href("monitors")}>Monitors</a>
      </p>
      <h1>
        {m.name} <Badge status={m.state} />
      </h1>
      <ErrorBox error={page.error} />
      <div className="summary">
        <dl className="stats">
          <div>
            <dt>Question</dt>
            <dd>{m.search_query}</dd>
          </div>
          <div>
            <dt>Tell me when</dt>
            <dd>{m.condition_description}</dd>
          </div>
          <div>
            <dt>Schedule</dt>
            <dd data-testid="schedule">
              <code>{m.schedule}</code> in {m.timezone}
            </dd>
          </div>
          <div>
            <dt>Next run</dt>
            <dd data-testid="next-run">{m.state === "active" ? when(m.next_run_at) : `none (${m.state})`}</dd>
          </div>
          <div>
            <dt>Notifies</dt>
            <dd>
              {m.notify_behavior === "once"
                ? "once, the first time the condition is met"
                : m.notify_behavior === "always"
                  ? "every run where the condition is met"
                  : "whenever what it finds changes"}
              {m.muted ? " · muted" : ""}
              {m.snoozed_until ? ` · snoozed until ${when(m.snoozed_until)}` : ""}
            </dd>
          </div>
          <div>
            <dt>Last run / last notified</dt>
            <dd>
              {when(first[0]?.started_at ?? m.last_run_at)} / {when(m.last_notified_at)}
            </dd>
          </div>
          <div>
            <dt>Condition met (last run)</dt>
            <dd>{yesNo(m.condition_met)}</dd>
          </div>
          <div>
            <dt>Failed runs in a row</dt>
            <dd>{m.consecutive_failures}</dd>
          </div>
        </dl>
        {readOnly ? null : (
          <div className="actions">
            <ConfirmButton
              label="Run now"
              question={`Run ${m.name} now? It searches once, and notifies you if it should.`}
              onConfirm={() => act("run", true)}
            />
            <ConfirmButton
              label="Dry run"
              question={`Run ${m.name} now as a dry run? It notifies no one and changes nothing it knows.`}
              onConfirm={() => act("run", false)}
            />
            {m.state === "active" ? (
              <ConfirmButton
                label="Pause"
                question={`Pause ${m.name}? No run starts until it is resumed.`}
                onConfirm={() => act("pause")}
              />
            ) : (
              <ConfirmButton
                label="Resume"
                question={`Resume ${m.name}? It is scheduled again from now.`}
                onConfirm={() => act("resume")}
              />
            )}
            {done ? (
              <p className="done" role="status">
                {done}
              </p>
            ) : null}
          </div>
        )}
      </div>

      <Section title="What it knows">
        {m.last_known_state === null ? <p className="muted">Nothing yet.</p> : <JsonView value={m.last_known_state} />}
      </Section>

      <Section title="Runs" id="runs">
        {runs.length === 0 ? <p className="muted">No run yet.</p> : null}
        {runs.map((r) => (
          <Run key={r.id} run={r} />
        ))}
        {cursor ? (
          <button className="more" onClick={() => void loadOlder()}>
            Older runs
          </button>
        ) : null}
      </Section>
    </div>
  );
}

function Run({ run: r }: { run: MonitorRun }) {
  const sources = r.grounding_sources ?? [];
  const answer = r.result?.answer;
  return (
    <article className="run" data-run={r.id}>
      <header>
        <Badge status={r.status} /> <strong>{when(r.started_at)}</strong>
        {r.dry_run ? <span className="badge">dry run</span> : null}
        {r.scheduled_for ? <span className="muted small"> scheduled for {when(r.scheduled_for)}</span> : null}
        <span className="muted small"> · {money(r.cost_usd)}</span>
        {r.task_id ? (
          <a className="small" href={href(`tasks/${r.task_id}`)}>
            {" "}
            task
          </a>
        ) : null}
      </header>
      <dl className="stats">
        <div>
          <dt>Condition met</dt>
          <dd data-testid="condition-met">{yesNo(r.condition_met)}</dd>
        </div>
        <div>
          <dt>Notified</dt>
          <dd data-testid="notify-reason" data-reason={r.notify_reason ?? ""}>
            {reason(r)}
          </dd>
        </div>
        <div>
          <dt>What changed</dt>
          <dd>{r.change_summary ?? "–"}</dd>
        </div>
        <div>
          <dt>Grounded</dt>
          <dd>{yesNo(r.grounded)}</dd>
        </div>
      </dl>
      {r.error_message ? <div className="error">{r.error_message}</div> : null}
      {answer ? <p className="answer-text">{answer}</p> : null}
      {r.result?.reasoning ? <p className="muted small">{r.result.reasoning}</p> : null}
      {sources.length > 0 ? (
        <div>
          <span className="muted small">Sources</span>
          <ol className="sources">
            {sources.map((s, i) => {
              const uri = safeUri(s.uri);
              const label = s.title || s.uri || `source ${i + 1}`;
              return (
                <li key={i}>
                  {uri ? (
                    <a href={uri} target="_blank" rel="noopener noreferrer">
                      {label}
                    </a>
                  ) : (
                    label
                  )}
                </li>
              );
            })}
          </ol>
        </div>
      ) : null}
      {r.search_queries && r.search_queries.length > 0 ? (
        <div className="muted small">Searched: {r.search_queries.map((q) => `“${q}”`).join(", ")}</div>
      ) : null}
      {r.search_suggestions_url ? (
        // Google's search suggestions, which its terms require beside a grounded answer:
        // its own HTML and styles, so framed from their own address and policy (no script;
        // links open in a new tab), never put in this page.
        <iframe
          className="search-suggestions"
          title="Google search suggestions"
          src={r.search_suggestions_url}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          referrerPolicy="no-referrer"
        />
      ) : null}
      {r.result?.current_state !== undefined ? (
        <details>
          <summary>What it found</summary>
          <JsonView value={r.result.current_state} />
        </details>
      ) : null}
    </article>
  );
}
