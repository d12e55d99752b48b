// The console's JSON API (worker/orchable/console/api.py), typed as it answers.
// Timestamps are ISO strings, ids uuids as strings, money and numerics plain numbers.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type BatchStatus = "pending" | "processing" | "completed" | "failed" | "paused" | "cancelled";
export type TaskStatus = "plan" | "processing" | "generated" | "completed" | "failed" | "cancelled";
export const BATCH_STATUSES: BatchStatus[] = ["pending", "processing", "paused", "completed", "failed", "cancelled"];

export interface Session {
  user_id: string;
  email: string | null;
  via: "token" | "key" | "dev";
  read_only: boolean;
}

export interface BatchSummary {
  id: string;
  name: string;
  status: BatchStatus;
  status_reason: string | null;
  orchestrator_id: string;
  pipeline_name: string;
  total_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
  spent_usd: number;
  config: Json;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  eta_seconds: number | null; // the list: inputs left at the pace so far; a batch: its last 5 minutes
}

export interface BatchDetail extends BatchSummary {
  percent_done: number;
  plan_count: number;
  processing_count: number;
  generated_count: number;
  completed_count: number;
  failed_count: number;
  cancelled_count: number;
  llm_call_count: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  budget_usd: number | null;
  tasks_per_minute: number | null;
  eta_seconds: number | null;
}

export interface StageCounts {
  stage_key: string;
  step_number: number;
  task_count: number;
  plan_count: number;
  processing_count: number;
  generated_count: number;
  completed_count: number;
  failed_count: number;
  cancelled_count: number;
}

export interface TreeTask {
  id: string;
  parent_task_id: string | null;
  root_task_id: string;
  stage_key: string;
  status: TaskStatus;
  step_number: number;
  branch_index: number | null;
  retry_count: number;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  input_preview: string | null;
}

export interface TreePage {
  root_ids: string[];
  tasks: TreeTask[];
  next_cursor: string | null;
}

export interface TimelineEvent {
  event_id: number;
  created_at: string;
  event: string;
  category: "technical" | "business";
  level: "debug" | "info" | "warning" | "error";
  message: string;
  stage_key: string | null;
  task_id: string | null;
  from_status: string | null;
  to_status: string;
  progress: number | null;
}

export interface BatchPage {
  batch: BatchDetail;
  stages: StageCounts[];
  timeline: TimelineEvent[];
  tree: TreePage;
}

export interface BatchList {
  batches: BatchSummary[];
  next_cursor: string | null;
}

// A stage's display settings (prompt_templates.view_config) as its author wrote them, any
// JSON, so read through ui.tsx's viewOf, which ignores what does not fit: {"hiddenFields":
// a list of dotted paths, "delimiters": {a dotted path: the text its string is split at}}.
export type ViewConfig = Json;

export interface Task {
  id: string;
  batch_id: string;
  batch_name: string;
  batch_status: BatchStatus;
  orchestrator_id: string;
  stage_key: string;
  task_type: string;
  status: TaskStatus;
  input_data: Json;
  output_data: Json;
  error_message: string | null;
  error_code: string | null;
  prompt_template_id: string;
  parent_task_id: string | null;
  root_task_id: string;
  step_number: number;
  branch_index: number | null;
  requires_approval: boolean;
  approved_at: string | null;
  retry_count: number;
  max_retries: number;
  usage: Json;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface Stage {
  id: string;
  stage_key: string;
  name: string;
  description: string | null;
  template: string;
  version: number;
  output_schema: Json;
  view_config: ViewConfig;
  custom_component_id: string | null;
  requires_approval: boolean;
  stage_config: Json;
  default_ai_settings: Json;
}

export interface LlmCall {
  id: number;
  provider: string;
  model: string;
  attempt: number;
  outcome: string;
  http_status: number | null;
  error: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  thoughts_tokens: number;
  latency_ms: number | null;
  cost_usd: number;
  created_at: string;
  key_prefix: string | null;
  key_name: string | null;
}

export interface TaskEvent {
  id: number;
  created_at: string;
  event: string;
  from_status: string | null;
  to_status: string;
  category: string;
  level: string;
  message: string | null;
  detail: Json;
}

export type InteractionType = "approval" | "input" | "selection" | "review";

export interface RequestData {
  message?: string;
  input?: Json;
  output?: Json;
  options?: { value: Json; label?: string }[];
  input_schema?: Json;
  allowed_decisions?: string[];
  [key: string]: Json | undefined;
}

export interface TaskInteraction {
  id: string;
  interaction_type: InteractionType;
  status: string;
  priority: string;
  request_data: RequestData;
  response_data: Json;
  required_approvals: number;
  approvals: number;
  timeout_at: string | null;
  responded_at: string | null;
  created_at: string;
}

// A stage's custom component: TSX the console renders in its sandbox (ComponentView).
export interface CustomComponent {
  id: string;
  name: string;
  description: string | null;
  code: string;
  is_public: boolean;
  created_by: string;
  updated_at: string;
}

// One of the Components screen's list: a component the user may read, with its sample.
export interface ComponentListItem extends CustomComponent {
  mock_data: Json;
  mine: boolean;
  created_at: string;
}

export interface TaskPage {
  task: Task;
  stage: Stage | null;
  prompt: string | null; // what the task is sent: its template version over its input
  component: CustomComponent | null;
  calls: LlmCall[];
  events: TaskEvent[];
  interactions: TaskInteraction[];
  children: { id: string; stage_key: string; status: TaskStatus; branch_index: number | null }[];
}

export interface InboxItem {
  id: string;
  interaction_type: InteractionType;
  priority: string;
  message: string | null;
  request_data: RequestData;
  required_approvals: number;
  approvals: number;
  timeout_at: string | null;
  on_timeout: string | null;
  channels: string[];
  batch_id: string;
  batch_name: string | null;
  task_id: string;
  stage_key: string;
  created_at: string;
}

export interface PipelineStage {
  id: string;
  orchestrator_id: string;
  stage_key: string;
  name: string;
  version: number;
  cardinality: "1:1" | "1:N" | "N:1";
  requires_approval: boolean;
  custom_component_id: string | null;
  view_config: ViewConfig;
  next_stage_keys: string[];
  open_batch_counts: Partial<Record<TaskStatus, number>>; // its tasks in unfinished batches
}

export interface Pipeline {
  id: string;
  name: string;
  description: string | null;
  entry_stage_key: string;
  created_at: string;
  updated_at: string;
  stages: PipelineStage[];
}

export interface RespondResult {
  outcome: "settled" | "counted" | "late" | "duplicate";
  status: string;
  approvals: number;
  required_approvals: number;
}

export type MonitorState = "active" | "paused" | "completed";
export type RunStatus = "pending" | "running" | "success" | "failed" | "cancelled";

export interface MonitorRunSummary {
  id: string;
  status: RunStatus;
  dry_run: boolean;
  started_at: string;
  completed_at: string | null;
  condition_met: boolean | null;
  notified: boolean;
  notify_reason: string | null;
  change_summary: string | null;
  cost_usd: number | null;
  answer: string | null;
}

export interface Monitor {
  id: string;
  name: string;
  state: MonitorState;
  schedule: string;
  timezone: string;
  notify_behavior: "once" | "always" | "track_state";
  search_query: string;
  condition_description: string;
  condition_met: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  last_notified_at: string | null;
  muted: boolean;
  snoozed_until: string | null;
  consecutive_failures: number;
  created_at: string;
  updated_at: string;
}

export interface MonitorListItem extends Monitor {
  last_run: MonitorRunSummary | null;
}

export interface MonitorList {
  monitors: MonitorListItem[];
  next_cursor: string | null;
}

export interface MonitorDetail extends Monitor {
  config: Json;
  last_known_state: Json;
  template_id: string | null;
}

export interface GroundingSource {
  uri?: string;
  title?: string;
  [key: string]: Json | undefined;
}

export interface MonitorRun {
  id: string;
  status: RunStatus;
  scheduled_for: string | null;
  dry_run: boolean;
  started_at: string;
  completed_at: string | null;
  result: { answer?: string; condition_met?: boolean; reasoning?: string; current_state?: Json; [key: string]: Json | undefined } | null;
  error_message: string | null;
  condition_met: boolean | null;
  change_summary: string | null;
  grounded: boolean | null;
  grounding_sources: GroundingSource[] | null;
  grounding_supports: Json;
  search_queries: string[] | null;
  notified: boolean;
  notify_reason: string | null;
  cost_usd: number | null;
  batch_id: string | null;
  task_id: string | null;
  search_suggestions_url: string | null; // Google's suggestions, framed from this signed address
}

export interface MonitorPage {
  monitor: MonitorDetail;
  runs: MonitorRun[];
  next_cursor: string | null;
}

export interface SpendFigures {
  calls: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  failed_calls: number;
}

export interface Costs {
  days: number;
  timezone: string;
  first_day: string | null;
  last_day: string | null;
  total: SpendFigures;
  by_pipeline: (SpendFigures & { orchestrator_id: string; pipeline_name: string })[];
  by_model: (SpendFigures & { provider: string; model: string })[];
  by_day: (SpendFigures & { day: string })[];
}

export interface PoolKey {
  id: string;
  provider: string;
  key_name: string;
  key_prefix: string;
  is_active: boolean;
  priority: number;
  model_preference: string | null;
  created_at: string;
  status: "ready" | "blocked" | "inactive";
  blocked_until: string | null;
  block_reason: string | null;
  consecutive_failures: number | null;
  failing_since: string | null;
  total_calls: number | null;
  total_failures: number | null;
  last_error: string | null;
  last_used_at: string | null;
  calls_24h: number;
  failures_24h: number;
  last_failure_at: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: string | null,
    readonly hint: string | null,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "orchable.token";

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = savedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (method === "POST") {
    headers["Content-Type"] = "application/json";
    headers["X-Orchable-Console"] = "1"; // the API refuses a change without it
  }
  const response = await fetch(`api/${path}`, {
    method,
    headers,
    body: method === "POST" ? JSON.stringify(body ?? {}) : null,
    credentials: "same-origin",
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const e = (parsed ?? {}) as { code?: string; message?: string; detail?: string | null; hint?: string | null };
    throw new ApiError(
      response.status,
      e.code ?? String(response.status),
      e.message ?? (text || response.statusText),
      e.detail ?? null,
      e.hint ?? null,
    );
  }
  return parsed as T;
}

function query(params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// What each read of the API answers. tests/console checks every answer of a running
// console against this, as JSON Schema (npm run schema: ts-json-schema-generator), so the
// page's types and the server's answers cannot drift apart unseen.
export interface Answers {
  session: Session;
  batches: BatchList;
  batch: BatchPage;
  batch_tasks: TreePage;
  task: TaskPage;
  inbox: { interactions: InboxItem[] };
  pipelines: { pipelines: Pipeline[] };
  components: { components: ComponentListItem[] };
  monitors: MonitorList;
  monitor: MonitorPage;
  costs: Costs;
  keys: { keys: PoolKey[] };
}

export const api = {
  session: () => call<Answers["session"]>("GET", "session"),
  batches: (p: { status?: string | null; pipeline?: string | null; cursor?: string | null }) =>
    call<Answers["batches"]>("GET", `batches${query(p)}`),
  batch: (id: string) => call<Answers["batch"]>("GET", `batches/${encodeURIComponent(id)}`),
  batchTasks: (id: string, cursor: string) =>
    call<Answers["batch_tasks"]>("GET", `batches/${encodeURIComponent(id)}/tasks${query({ cursor })}`),
  task: (id: string) => call<Answers["task"]>("GET", `tasks/${encodeURIComponent(id)}`),
  inbox: () => call<Answers["inbox"]>("GET", "inbox"),
  pipelines: () => call<Answers["pipelines"]>("GET", "pipelines"),
  components: () => call<Answers["components"]>("GET", "components"),
  batchAction: (id: string, action: "pause" | "resume" | "cancel" | "retry") =>
    call<{ batch?: { id: string; status: BatchStatus }; retried?: number }>(
      "POST",
      `batches/${encodeURIComponent(id)}/${action}`,
    ),
  approveTask: (id: string, output?: Json) =>
    call<{ status: TaskStatus }>("POST", `tasks/${encodeURIComponent(id)}/approve`, output === undefined ? {} : { output }),
  rejectTask: (id: string, reason: string, regenerate: boolean) =>
    call<{ status: TaskStatus }>("POST", `tasks/${encodeURIComponent(id)}/reject`, { reason, regenerate }),
  retryTask: (id: string) => call<{ status: TaskStatus }>("POST", `tasks/${encodeURIComponent(id)}/retry`),
  respond: (id: string, response: { [key: string]: Json }) =>
    call<RespondResult>("POST", `interactions/${encodeURIComponent(id)}/respond`, { response }),
  monitors: (cursor?: string | null) => call<Answers["monitors"]>("GET", `monitors${query({ cursor })}`),
  monitor: (id: string, cursor?: string | null) =>
    call<Answers["monitor"]>("GET", `monitors/${encodeURIComponent(id)}${query({ cursor })}`),
  monitorAction: (id: string, action: "run" | "pause" | "resume", body?: { notify: boolean }) =>
    call<{ run?: { id: string; status: RunStatus; dry_run: boolean }; monitor?: { id: string; state: MonitorState } }>(
      "POST",
      `monitors/${encodeURIComponent(id)}/${action}`,
      body ?? {},
    ),
  costs: (p: { days?: string | null; tz?: string | null }) => call<Answers["costs"]>("GET", `costs${query(p)}`),
  keys: () => call<Answers["keys"]>("GET", "keys"),
};
