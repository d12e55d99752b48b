// The user's pipelines: each stage graph from its entry, one row per depth, with each
// stage's cardinality, approval and tasks under way in unfinished batches (refreshed while
// there are any).

import { Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { api, type Pipeline, type PipelineStage } from "../api";
import { href, usePoll } from "../hooks";
import { ErrorBox } from "../ui";

export function Pipelines() {
  const list = usePoll(
    () => api.pipelines(),
    "pipelines",
    (d) => (d?.pipelines.some((p) => p.stages.some((s) => Object.keys(s.open_batch_counts).length > 0)) ? 3000 : null),
  );
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

// Stages by depth from the entry (a breadth-first walk), one column per depth, drawn by
// React Flow with an edge to each stage a stage leads to (splits fan out, merges join).
// The graph is a picture: no dragging, connecting or zooming by the wheel.
const COLUMN = 260;
const ROW = 110;

type StageNode = Node<{ stage: PipelineStage }, "stage">;

function levelsOf(pipeline: Pipeline): PipelineStage[][] {
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
  return levels;
}

function Graph({ pipeline }: { pipeline: Pipeline }) {
  const levels = levelsOf(pipeline);
  const tallest = Math.max(1, ...levels.map((level) => level.length));
  const nodes: StageNode[] = levels.flatMap((level, column) =>
    level.map((stage, row) => ({
      id: stage.stage_key,
      type: "stage",
      position: { x: column * COLUMN, y: (row + (tallest - level.length) / 2) * ROW },
      data: { stage },
    })),
  );
  const drawn = new Set(nodes.map((n) => n.id));
  const edges: Edge[] = nodes.flatMap(({ data: { stage } }) =>
    stage.next_stage_keys
      .filter((key) => drawn.has(key))
      .map((key) => ({
        id: `${stage.stage_key}->${key}`,
        source: stage.stage_key,
        target: key,
        markerEnd: { type: MarkerType.ArrowClosed },
      })),
  );
  return (
    <div className="graph" style={{ height: tallest * ROW + 40 }} data-testid="stage-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        zoomOnScroll={false}
        zoomOnPinch={false}
        zoomOnDoubleClick={false}
        panOnDrag={false}
        preventScrolling={false}
      />
    </div>
  );
}

function StageBox({ data: { stage: s } }: NodeProps<StageNode>) {
  return (
    <div className="graph-stage">
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <strong>{s.stage_key}</strong>
      <span className="muted small">
        {" "}
        {s.cardinality}
        {s.requires_approval ? " · approval" : ""}
      </span>
      <StageCounts counts={s.open_batch_counts} />
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const NODE_TYPES = { stage: StageBox };

// What a stage has under way in the pipeline's unfinished batches (nothing: no line).
function StageCounts({ counts }: { counts: PipelineStage["open_batch_counts"] }) {
  const parts = (
    [
      ["plan", "waiting"],
      ["processing", "running"],
      ["generated", "awaiting approval"],
      ["completed", "completed"],
      ["failed", "failed"],
    ] as const
  )
    .filter(([status]) => (counts[status] ?? 0) > 0)
    .map(([status, label]) => `${counts[status]} ${label}`);
  if (parts.length === 0) return null;
  return (
    <div className="small stage-counts" data-testid="stage-counts">
      {parts.join(" · ")}
    </div>
  );
}
