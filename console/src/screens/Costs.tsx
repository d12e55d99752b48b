// What the user's LLM calls cost over the last days (30 unless the URL says 7 or 90): per
// day (in the browser's time zone), per pipeline and per model, with calls, tokens and
// failed calls. The API reads the period's calls once, through an index.

import type { ReactNode } from "react";
import { api, type Costs as CostsData, type SpendFigures } from "../api";
import { href, usePoll, type Route } from "../hooks";
import { ErrorBox, money } from "../ui";

const PERIODS = ["7", "30", "90"];

function zone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function tokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} M` : n >= 10_000 ? `${Math.round(n / 1000)} k` : String(n);
}

export function Costs({ route }: { route: Route }) {
  const days = PERIODS.includes(route.params.get("days") ?? "") ? (route.params.get("days") as string) : "30";
  const tz = zone();
  const costs = usePoll<CostsData>(() => api.costs({ days, tz }), `costs|${days}|${tz}`, () => 60000);
  const c = costs.data;
  return (
    <div>
      <h1>Costs</h1>
      <nav className="filters" aria-label="period">
        {PERIODS.map((d) => (
          <a key={d} href={href("costs", { days: d === "30" ? null : d })} className={d === days ? "active" : ""}>
            last {d} days
          </a>
        ))}
      </nav>
      <ErrorBox error={costs.error} />
      {costs.loading && !c ? <p className="muted">Loading…</p> : null}
      {c ? (
        <>
          <section className="panel">
            <dl className="stats">
              <div>
                <dt>
                  Spent, {c.first_day} to {c.last_day} ({c.timezone})
                </dt>
                <dd data-testid="total-cost" className="big">
                  {money(c.total.cost_usd)}
                </dd>
              </div>
              <div>
                <dt>Calls</dt>
                <dd data-testid="total-calls">
                  {c.total.calls}
                  {c.total.failed_calls > 0 ? <span className="failed-count"> ({c.total.failed_calls} failed)</span> : null}
                </dd>
              </div>
              <div>
                <dt>Tokens in / out</dt>
                <dd>
                  {tokens(c.total.input_tokens)} / {tokens(c.total.output_tokens)}
                </dd>
              </div>
            </dl>
            <DayChart days={c.by_day} />
          </section>
          <section className="panel" id="by-pipeline">
            <h2>Per pipeline</h2>
            {c.by_pipeline.length === 0 ? <p className="muted">No calls in this period.</p> : null}
            {c.by_pipeline.length > 0 ? (
              <SpendTable
                head="Pipeline"
                rows={c.by_pipeline.map((p) => ({
                  key: p.orchestrator_id,
                  label: <a href={href("batches", { pipeline: p.orchestrator_id })}>{p.pipeline_name}</a>,
                  figures: p,
                }))}
              />
            ) : null}
          </section>
          <section className="panel" id="by-model">
            <h2>Per model</h2>
            {c.by_model.length === 0 ? <p className="muted">No calls in this period.</p> : null}
            {c.by_model.length > 0 ? (
              <SpendTable
                head="Model"
                rows={c.by_model.map((m) => ({
                  key: `${m.provider}/${m.model}`,
                  label: (
                    <>
                      {m.model} <span className="muted small">{m.provider}</span>
                    </>
                  ),
                  figures: m,
                }))}
              />
            ) : null}
          </section>
          <section className="panel" id="by-day">
            <h2>Per day</h2>
            <details>
              <summary>{c.by_day.filter((d) => d.calls > 0).length} days with calls, newest first</summary>
              <SpendTable
                head="Day"
                rows={[...c.by_day].reverse().map((d) => ({ key: d.day, label: d.day, figures: d }))}
              />
            </details>
          </section>
        </>
      ) : null}
    </div>
  );
}

function SpendTable({
  head,
  rows,
}: {
  head: string;
  rows: { key: string; label: ReactNode; figures: SpendFigures }[];
}) {
  return (
    <table className="list spend">
      <thead>
        <tr>
          <th>{head}</th>
          <th className="num">Cost</th>
          <th className="num">Calls</th>
          <th className="num">Failed</th>
          <th className="num">Tokens in</th>
          <th className="num">Tokens out</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <td>{r.label}</td>
            <td className="num cost">{money(r.figures.cost_usd)}</td>
            <td className="num">{r.figures.calls}</td>
            <td className="num">{r.figures.failed_calls}</td>
            <td className="num">{tokens(r.figures.input_tokens)}</td>
            <td className="num">{tokens(r.figures.output_tokens)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// One bar a day, as tall as its share of the costliest day.
function DayChart({ days }: { days: (SpendFigures & { day: string })[] }) {
  const top = Math.max(0, ...days.map((d) => d.cost_usd));
  return (
    <div className="day-chart" role="img" aria-label="cost per day">
      {days.map((d) => (
        <div key={d.day} className="day-bar" title={`${d.day}: ${money(d.cost_usd)}, ${d.calls} calls`}>
          <div className="day-fill" style={{ height: `${top > 0 ? Math.max(2, (100 * d.cost_usd) / top) : 0}%` }} />
        </div>
      ))}
    </div>
  );
}
