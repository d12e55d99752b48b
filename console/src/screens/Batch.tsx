// One batch: live progress and counters, cost, its stages, the tree of tasks of each input
// (through splits and merges), its timeline, and pause / resume / cancel / retry.

import { useState } from "react";
import { api, type BatchPage, type TreeTask } from "../api";
import { href, usePoll } from "../hooks";
import { Badge, ConfirmButton, duration, ErrorBox, money, Progress, Section, when } from "../ui";

const LIVE = new Set(["pending", "processing"]);

export function Batch({ id, readOnly }: { id: string; readOnly: boolean }) {
  const page = usePoll<BatchPage>(
    () => api.batch(id),
    id,
    (d) => (d === null || LIVE.has(d.batch.status) ? 1000 : 10000),
  );
  const [extra, setExtra] = useState<{ tasks: TreeTask[]; roots: string[]; cursor: string | null } | null>(null);
  const [technical, setTechnical] = useState(false);
  const [done, setDone] = useState<string | null>(null); // what the last action did
  if (page.error && !page.data) return <ErrorBox error={page.error} />;
  if (!page.data) return <p className="muted">Loading…</p>;
  const { batch: b, stages, timeline, tree } = page.data;
  const cursor = extra ? extra.cursor : tree.next_cursor;
  const tasks = [...tree.tasks, ...(extra?.tasks ?? [])];
  const roots = [...tree.root_ids, ...(extra?.roots ?? [])];
  const loadMore = async () => {
    if (!cursor) return;
    const next = await api.batchTasks(id, cursor);
    setExtra({
      tasks: [...(extra?.tasks ?? []), ...next.tasks],
      roots: [...(extra?.roots ?? []), ...next.root_ids],
      cursor: next.next_cursor,
    });
  };
  const act = async (action: "pause" | "resume" | "cancel" | "retry") => {
    const answer = await api.batchAction(id, action);
    setDone(
      action === "pause"
        ? "Paused: no new task starts until you resume it."
        : action === "resume"
          ? "Resumed: its tasks run again."
          : action === "cancel"
            ? "Cancelled: its open tasks are cancelled."
            : `Retried ${answer.retried ?? 0} failed tasks: they wait to run again.`,
    );
    page.reload();
  };
  const finished = ["completed", "failed", "cancelled"].includes(b.status);

  return (
    <div>
      <p className="crumbs">
        <a href={href("batches")}>Batches</a> / <a href={href("batches", { pipeline: b.orchestrator_id })}>{b.pipeline_name}</a>
      </p>
      <h1>
        {b.name} <Badge status={b.status} />
      </h1>
      {b.status_reason ? <p className="muted">{b.status_reason}</p> : null}
      <ErrorBox error={page.error} />
      <div className="summary">
        <Progress done={b.completed_tasks} failed={b.failed_tasks} total={b.total_tasks} />
        <dl className="stats">
          <div>
            <dt>Inputs done</dt>
            <dd data-testid="inputs-done">
              {b.completed_tasks + b.failed_tasks} / {b.total_tasks} ({b.percent_done}%)
            </dd>
          </div>
          <div>
            <dt>Failed inputs</dt>
            <dd>{b.failed_tasks}</dd>
          </div>
          <div>
            <dt>Tasks</dt>
            <dd>
              {b.completed_count} completed · {b.processing_count} running · {b.plan_count} waiting · {b.generated_count}{" "}
              awaiting approval · {b.failed_count} failed
            </dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>
              {money(b.cost_usd)}
              {b.budget_usd !== null ? ` of ${money(b.budget_usd)}` : ""} · {b.llm_call_count} calls ·{" "}
              {b.input_tokens + b.output_tokens} tokens
            </dd>
          </div>
          <div>
            <dt>Pace</dt>
            <dd>
              {b.tasks_per_minute ?? 0} tasks/min{b.eta_seconds !== null && !finished ? ` · ETA ${duration(b.eta_seconds)}` : ""}
            </dd>
          </div>
          <div>
            <dt>Started / finished</dt>
            <dd>
              {when(b.started_at)} / {when(b.finished_at)}
            </dd>
          </div>
        </dl>
        {readOnly ? null : (
          <div className="actions">
            {LIVE.has(b.status) ? (
              <ConfirmButton label="Pause" question={`Pause ${b.name}? No new task starts until it is resumed.`} onConfirm={() => act("pause")} />
            ) : null}
            {b.status === "paused" ? (
              <ConfirmButton label="Resume" question={`Resume ${b.name}?`} onConfirm={() => act("resume")} />
            ) : null}
            {b.failed_count > 0 && b.status !== "cancelled" ? (
              <ConfirmButton
                label="Retry failed"
                question={`Retry the ${b.failed_count} failed tasks of ${b.name}?`}
                onConfirm={() => act("retry")}
              />
            ) : null}
            {!finished ? (
              <ConfirmButton
                danger
                label="Cancel"
                question={`Cancel ${b.name}? Its open tasks are cancelled; this cannot be undone.`}
                onConfirm={() => act("cancel")}
              />
            ) : null}
            {done ? (
              <p className="done" role="status">
                {done}
              </p>
            ) : null}
          </div>
        )}
      </div>

      <Section title="Stages">
        <table className="list">
          <thead>
            <tr>
              <th>Stage</th>
              <th>Tasks</th>
              <th>Waiting</th>
              <th>Running</th>
              <th>Awaiting approval</th>
              <th>Completed</th>
              <th>Failed</th>
              <th>Cancelled</th>
            </tr>
          </thead>
          <tbody>
            {stages.map((s) => (
              <tr key={s.stage_key}>
                <td>{s.stage_key}</td>
                <td className="num">{s.task_count}</td>
                <td className="num">{s.plan_count}</td>
                <td className="num">{s.processing_count}</td>
                <td className="num">{s.generated_count}</td>
                <td className="num">{s.completed_count}</td>
                <td className="num">{s.failed_count}</td>
                <td className="num">{s.cancelled_count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section title="Inputs and their tasks" id="tree">
        <Tree tasks={tasks} roots={roots} />
        {cursor ? (
          <button className="more" onClick={() => void loadMore()}>
            More inputs
          </button>
        ) : null}
      </Section>

      <Section title="Timeline" id="timeline">
        <label className="inline timeline-filter">
          <input type="checkbox" checked={technical} onChange={(e) => setTechnical(e.target.checked)} /> technical events
        </label>
        <ol className="timeline">
          {timeline.filter((e) => technical || e.category !== "technical").map((e) => (
            <li key={e.event_id} className={`level-${e.level} category-${e.category}`}>
              <time>{when(e.created_at)}</time>
              <span className="message">
                {e.task_id ? <a href={href(`tasks/${e.task_id}`)}>{e.message}</a> : e.message}
              </span>
              {e.progress !== null ? <span className="muted"> {e.progress}%</span> : null}
            </li>
          ))}
        </ol>
      </Section>
    </div>
  );
}

function Tree({ tasks, roots }: { tasks: TreeTask[]; roots: string[] }) {
  const children = new Map<string, TreeTask[]>();
  const byId = new Map<string, TreeTask>();
  for (const t of tasks) {
    byId.set(t.id, t);
    if (t.parent_task_id) {
      const list = children.get(t.parent_task_id) ?? [];
      list.push(t);
      children.set(t.parent_task_id, list);
    }
  }
  const node = (t: TreeTask) => (
    <li key={t.id} data-task={t.id}>
      <a href={href(`tasks/${t.id}`)} className="task-link">
        {t.stage_key}
        {t.branch_index !== null ? ` #${t.branch_index + 1}` : ""}
      </a>{" "}
      <Badge status={t.status} />
      {t.input_preview ? <span className="preview">{t.input_preview}</span> : null}
      {t.error_message ? <span className="error-text">{t.error_message}</span> : null}
      {children.has(t.id) ? <ul>{(children.get(t.id) ?? []).map(node)}</ul> : null}
    </li>
  );
  return (
    <ul className="tree">
      {roots.map((id) => {
        const t = byId.get(id);
        return t ? node(t) : null;
      })}
    </ul>
  );
}
