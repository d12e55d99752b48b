// The user's batches, newest first: progress, counts and cost; a status filter kept in the
// URL; refreshed every second while a batch on the page runs, rarely otherwise.

import { useState } from "react";
import { api, BATCH_STATUSES, type BatchList, type BatchSummary } from "../api";
import { href, usePoll, type Route } from "../hooks";
import { Badge, duration, ErrorBox, money, Progress, when } from "../ui";

const RUNNING = new Set(["pending", "processing"]);

export function Batches({ route }: { route: Route }) {
  const status = route.params.get("status");
  const pipeline = route.params.get("pipeline");
  const [more, setMore] = useState<{ key: string; pages: BatchSummary[]; cursor: string | null }>({
    key: "",
    pages: [],
    cursor: null,
  });
  const key = `${status ?? ""}|${pipeline ?? ""}`;
  const first = usePoll<BatchList>(
    () => api.batches({ status, pipeline }),
    key,
    (d) => (d?.batches.some((b) => RUNNING.has(b.status)) ? 1000 : 15000),
  );
  const extra = more.key === key ? more.pages : [];
  const cursor = more.key === key && more.pages.length > 0 ? more.cursor : (first.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    const page = await api.batches({ status, pipeline, cursor });
    setMore({ key, pages: [...extra, ...page.batches], cursor: page.next_cursor });
  };
  const rows = [...(first.data?.batches ?? []), ...extra];

  return (
    <div>
      <h1>Batches</h1>
      <nav className="filters" aria-label="status filter">
        <a href={href("batches", { pipeline })} className={status ? "" : "active"}>
          all
        </a>
        {BATCH_STATUSES.map((s) => (
          <a key={s} href={href("batches", { status: s, pipeline })} className={status === s ? "active" : ""}>
            {s}
          </a>
        ))}
      </nav>
      <ErrorBox error={first.error} />
      {first.loading && !first.data ? <p className="muted">Loading…</p> : null}
      {first.data && rows.length === 0 ? <p className="muted">No batches{status ? ` ${status}` : ""}.</p> : null}
      {rows.length > 0 ? (
        <table className="list batches">
          <thead>
            <tr>
              <th>Batch</th>
              <th>Pipeline</th>
              <th>Status</th>
              <th className="wide">Progress</th>
              <th>Inputs</th>
              <th>Cost</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.id} data-batch={b.id}>
                <td>
                  <a href={href(`batches/${b.id}`)}>{b.name}</a>
                </td>
                <td>
                  <a href={href("batches", { status, pipeline: b.orchestrator_id })}>{b.pipeline_name}</a>
                </td>
                <td>
                  <Badge status={b.status} />
                </td>
                <td>
                  <Progress done={b.completed_tasks} failed={b.failed_tasks} total={b.total_tasks} />
                </td>
                <td className="num">
                  <span className="counts">
                    {b.completed_tasks + b.failed_tasks}/{b.total_tasks}
                  </span>
                  {b.failed_tasks > 0 ? <span className="failed-count"> ({b.failed_tasks} failed)</span> : null}
                  {b.eta_seconds !== null ? (
                    <div className="muted small" data-testid="eta">
                      ETA {duration(b.eta_seconds)}
                    </div>
                  ) : null}
                </td>
                <td className="num">{money(b.spent_usd)}</td>
                <td>{when(b.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <button onClick={() => void loadMore()} className="more">
          Older batches
        </button>
      ) : null}
    </div>
  );
}
