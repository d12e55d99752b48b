// One task: its input, its output (as its stage's view_config says), the prompt it is sent,
// every LLM call, its events and interactions, and its actions: approve (with an edited
// output), reject, retry.

import { useState } from "react";
import { api, type Json, type TaskPage, type TaskStatus } from "../api";
import { ComponentView } from "../ComponentView";
import { href, usePoll } from "../hooks";
import { Badge, ErrorBox, hideFields, JsonView, money, Section, viewOf, when } from "../ui";

const LIVE = new Set(["plan", "processing"]);

export function Task({ id, readOnly }: { id: string; readOnly: boolean }) {
  const page = usePoll<TaskPage>(() => api.task(id), id, (d) => (d === null || LIVE.has(d.task.status) ? 1000 : null));
  if (page.error && !page.data) return <ErrorBox error={page.error} />;
  if (!page.data) return <p className="muted">Loading…</p>;
  const { task: t, stage, prompt, component, calls, events, interactions, children } = page.data;
  const view = viewOf(stage?.view_config);
  const json =
    t.output_data === null ? null : <JsonView value={hideFields(t.output_data, view.hidden)} delimiters={view.delimiters} />;

  return (
    <div>
      <p className="crumbs">
        <a href={href("batches")}>Batches</a> / <a href={href(`batches/${t.batch_id}`)}>{t.batch_name}</a>
        {t.parent_task_id ? (
          <>
            {" "}
            / <a href={href(`tasks/${t.parent_task_id}`)}>parent task</a>
          </>
        ) : null}
      </p>
      <h1>
        {t.stage_key}
        {t.branch_index !== null ? ` #${t.branch_index + 1}` : ""} <Badge status={t.status} />
      </h1>
      <p className="muted">
        task {t.id} · try {t.retry_count + 1} of {t.max_retries + 1} · created {when(t.created_at)}
        {t.completed_at ? ` · completed ${when(t.completed_at)}` : ""}
      </p>
      {t.error_message ? (
        <div className="error">
          {t.error_code ? <strong>{t.error_code}: </strong> : null}
          {t.error_message}
        </div>
      ) : null}
      <ErrorBox error={page.error} />

      {readOnly ? null : <TaskActions page={page.data} reload={page.reload} />}

      <div className="columns">
        <Section title="Input">
          <JsonView value={t.input_data} />
        </Section>
        <Section title="Output" id="output">
          {t.output_data === null ? (
            <p className="muted">No output yet.</p>
          ) : component ? (
            <ComponentView
              code={component.code}
              name={component.name}
              props={{ data: t.output_data, output: t.output_data, input: t.input_data, schema: stage?.output_schema ?? null }}
              fallback={json}
            />
          ) : (
            json
          )}
          {view.hidden.length > 0 ? <p className="muted small">Hidden by the stage's view: {view.hidden.join(", ")}</p> : null}
        </Section>
      </div>

      {stage ? (
        <Section title={`Stage ${stage.stage_key} (version ${stage.version})`} id="prompt">
          {prompt !== null ? (
            <>
              <h3 className="small muted">The prompt sent</h3>
              <pre className="prompt" data-testid="prompt-sent">
                {prompt}
              </pre>
            </>
          ) : (
            <p className="muted small">Its prompt could not be rendered from its input (see the error above).</p>
          )}
          <details>
            <summary className="small">The stage's template</summary>
            <pre className="prompt">{stage.template}</pre>
          </details>
          {stage.custom_component_id ? (
            <p className="muted small">
              Its output is rendered by the component {component ? component.name : stage.custom_component_id}
              {component ? "" : " (which you cannot read)"}.
            </p>
          ) : null}
        </Section>
      ) : null}

      <Section title="LLM calls">
        {calls.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="list calls">
            <thead>
              <tr>
                <th>When</th>
                <th>Model</th>
                <th>Outcome</th>
                <th>Tokens in / out</th>
                <th>Latency</th>
                <th>Cost</th>
                <th>Key</th>
              </tr>
            </thead>
            <tbody>
              {calls.map((c) => (
                <tr key={c.id}>
                  <td>{when(c.created_at)}</td>
                  <td>
                    {c.provider}/{c.model}
                  </td>
                  <td>
                    <Badge status={c.outcome} />
                    {c.error ? <span className="error-text"> {c.error}</span> : null}
                  </td>
                  <td className="num">
                    {c.input_tokens} / {c.output_tokens}
                  </td>
                  <td className="num">{c.latency_ms !== null ? `${c.latency_ms} ms` : "–"}</td>
                  <td className="num">{money(c.cost_usd)}</td>
                  <td>{c.key_prefix ? `${c.key_prefix}…` : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      {interactions.length > 0 ? (
        <Section title="Interactions">
          <ul className="plain">
            {interactions.map((i) => (
              <li key={i.id}>
                {i.interaction_type} <Badge status={i.status} /> asked {when(i.created_at)}
                {i.responded_at ? `, answered ${when(i.responded_at)}` : ""}
                {i.status === "pending" ? (
                  <>
                    {" "}
                    · <a href={href("inbox")}>answer in the inbox</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      {children.length > 0 ? (
        <Section title="Next tasks">
          <ul className="plain">
            {children.map((c) => (
              <li key={c.id}>
                <a href={href(`tasks/${c.id}`)}>
                  {c.stage_key}
                  {c.branch_index !== null ? ` #${c.branch_index + 1}` : ""}
                </a>{" "}
                <Badge status={c.status} />
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <Section title="Events">
        <ol className="timeline">
          {events.map((e) => (
            <li key={e.id} className={`level-${e.level}`}>
              <time>{when(e.created_at)}</time>{" "}
              <span className="message">{e.message ?? `${e.from_status ?? "–"} → ${e.to_status}`}</span>
            </li>
          ))}
        </ol>
      </Section>
    </div>
  );
}

function TaskActions({ page, reload }: { page: TaskPage; reload: () => void }) {
  const t = page.task;
  const [mode, setMode] = useState<"none" | "approve" | "reject">("none");
  const [draft, setDraft] = useState("");
  const [reason, setReason] = useState("");
  const [regenerate, setRegenerate] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null); // what the last action did

  // Runs an action; what it resolves to says what it did, shown until the next one.
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await action());
      setMode("none");
      reload();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };

  const approve = () =>
    run(async () => {
      let edited: Json | undefined;
      const original = JSON.stringify(t.output_data, null, 2);
      if (draft.trim() !== original.trim()) {
        try {
          edited = JSON.parse(draft) as Json;
        } catch {
          throw new Error("The edited output is not valid JSON.");
        }
      }
      const { status } = await api.approveTask(t.id, edited);
      return `${edited === undefined ? "Approved" : "Approved with your edit"}: the task ${now(status)}.`;
    });

  return (
    <div className="actions task-actions">
      {t.status === "generated" ? (
        <>
          <button
            className="primary"
            onClick={() => {
              setDraft(JSON.stringify(t.output_data, null, 2));
              setMode("approve");
            }}
          >
            Approve…
          </button>
          <button onClick={() => setMode("reject")}>Reject…</button>
        </>
      ) : null}
      {t.status === "failed" ? (
        <button onClick={() => void run(async () => `Retried: the task ${now((await api.retryTask(t.id)).status)}, with fresh retries.`)} disabled={busy}>
          Retry
        </button>
      ) : null}
      {mode === "approve" ? (
        <div className="dialog" role="dialog" aria-label="Approve">
          <label>
            Output (edit it before approving, or approve it as it is)
            <textarea
              name="output"
              rows={Math.min(30, draft.split("\n").length + 2)}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              spellCheck={false}
            />
          </label>
          <div className="row">
            <button className="primary" onClick={() => void approve()} disabled={busy}>
              Approve
            </button>
            <button onClick={() => setMode("none")} disabled={busy}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {mode === "reject" ? (
        <div className="dialog" role="dialog" aria-label="Reject">
          <label>
            Reason
            <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={regenerate} onChange={(e) => setRegenerate(e.target.checked)} /> generate it again
          </label>
          <div className="row">
            <button
              className="danger"
              onClick={() =>
                void run(async () => `Rejected: the task ${now((await api.rejectTask(t.id, reason, regenerate)).status)}.`)
              }
              disabled={busy || reason.trim() === ""}
            >
              Reject
            </button>
            <button onClick={() => setMode("none")} disabled={busy}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {done ? (
        <p className="done" role="status">
          {done}
        </p>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}

// What a task's status means to the person who just acted on it.
function now(status: TaskStatus): string {
  switch (status) {
    case "plan":
      return "waits to run again";
    case "processing":
      return "is running";
    case "generated":
      return "still waits for people";
    default:
      return `is ${status}`;
  }
}
