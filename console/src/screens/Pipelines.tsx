// The user's pipelines: each stage graph from its entry, one row per depth, with each
// stage's cardinality and approval.

import { api, type Pipeline, type PipelineStage } from "../api";
import { href, usePoll } from "../hooks";
import { ErrorBox } from "../ui";

export function Pipelines() {
  const list = usePoll(() => api.pipelines(), "pipelines", () => null);
  const pipelines = list.data?.pipelines ?? [];
  return (
    <div>
      <h1>Pipelines</h1>
      <ErrorBox error={list.error} />
      {list.data && pipelines.length === 0 ? <p className="muted">No pipelines yet.</p> : null}
      {pipelines.map((p) => (
        <section key={p.id} className="panel" data-pipeline={p.id}>
          <h2>
            {p.name} <a href={href("batches", { pipeline: p.id })} className="small">batches</a>
          </h2>
          {p.description ? <p className="muted">{p.description}</p> : null}
          <Graph pipeline={p} />
        </section>
      ))}
    </div>
  );
}

// Stages by depth from the entry (a breadth-first walk), each with the stages it leads to.
function Graph({ pipeline }: { pipeline: Pipeline }) {
  const byKey = new Map(pipeline.stages.map((s) => [s.stage_key, s]));
  const levels: PipelineStage[][] = [];
  const seen = new Set<string>();
  let frontier = [pipeline.entry_stage_key];
  while (frontier.length > 0) {
    const level: PipelineStage[] = [];
    const next: string[] = [];
    for (const key of frontier) {
      const stage = byKey.get(key);
      if (!stage || seen.has(key)) continue;
      seen.add(key);
      level.push(stage);
      next.push(...stage.next_stage_keys);
    }
    if (level.length > 0) levels.push(level);
    frontier = next;
  }
  return (
    <ol className="graph">
      {levels.map((level, i) => (
        <li key={i} className="graph-level">
          {i > 0 ? <span className="graph-arrow" aria-hidden="true">→</span> : null}
          <div className="graph-column">
            {level.map((s) => (
              <div key={s.stage_key} className="graph-stage">
                <strong>{s.stage_key}</strong>
                <span className="muted small">
                  {" "}
                  {s.cardinality}
                  {s.requires_approval ? " · approval" : ""}
                </span>
                {s.next_stage_keys.length > 0 ? <div className="muted small">→ {s.next_stage_keys.join(", ")}</div> : null}
              </div>
            ))}
          </div>
        </li>
      ))}
    </ol>
  );
}
