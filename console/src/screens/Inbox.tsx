// The user's pending interactions, oldest first, each answered in place: approve or
// reject, choose one of the options, fill in an input, review.

import { useState } from "react";
import { api, type InboxItem, type Json } from "../api";
import { href, usePoll } from "../hooks";
import { Badge, ErrorBox, JsonView, when } from "../ui";

export function Inbox({ readOnly }: { readOnly: boolean }) {
  const inbox = usePoll(() => api.inbox(), "inbox", () => 5000);
  // What was answered here stays in view, with its outcome, until the page is left.
  const [answered, setAnswered] = useState<Map<string, { item: InboxItem; outcome: string }>>(new Map());
  const open = inbox.data?.interactions ?? [];
  const items = [...open, ...[...answered.values()].map((a) => a.item).filter((a) => !open.some((o) => o.id === a.id))];
  items.sort((a, b) => a.created_at.localeCompare(b.created_at));
  const settle = (item: InboxItem, outcome: string) => {
    setAnswered((m) => new Map(m).set(item.id, { item, outcome }));
    inbox.reload();
  };
  return (
    <div>
      <h1>Inbox</h1>
      <ErrorBox error={inbox.error} />
      {inbox.data && items.length === 0 ? <p className="muted">Nothing waits for you.</p> : null}
      {items.map((item) => (
        <Card
          key={item.id}
          item={item}
          readOnly={readOnly}
          outcome={answered.get(item.id)?.outcome ?? null}
          settle={(outcome) => settle(item, outcome)}
        />
      ))}
    </div>
  );
}

function Card({
  item,
  readOnly,
  outcome,
  settle,
}: {
  item: InboxItem;
  readOnly: boolean;
  outcome: string | null;
  settle: (outcome: string) => void;
}) {
  const data = item.request_data;
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState("");

  const send = async (response: { [key: string]: Json }) => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.respond(item.id, response);
      settle(
        result.outcome === "counted"
          ? `Counted: ${result.approvals} of ${result.required_approvals} approvals`
          : `Answered (${result.outcome})`,
      );
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };

  const rejectable = (data.allowed_decisions ?? ["reject"]).includes("reject");
  return (
    <article className="panel interaction" data-interaction={item.id}>
      <header>
        <Badge status={item.priority} /> <strong>{item.message ?? `${item.interaction_type} requested`}</strong>
      </header>
      <p className="muted small">
        {item.interaction_type} · stage {item.stage_key} of{" "}
        <a href={href(`batches/${item.batch_id}`)}>{item.batch_name ?? "a batch"}</a> ·{" "}
        <a href={href(`tasks/${item.task_id}`)}>task</a> · asked {when(item.created_at)}
        {item.timeout_at ? ` · until ${when(item.timeout_at)} (then ${item.on_timeout ?? "timeout"})` : ""}
        {item.required_approvals > 1 ? ` · ${item.approvals} of ${item.required_approvals} approvals` : ""}
      </p>
      {data.output !== undefined ? (
        <details open>
          <summary>Output</summary>
          <JsonView value={data.output} />
        </details>
      ) : null}
      {outcome ? <p className="ok">{outcome}</p> : null}
      {readOnly || outcome ? null : (
        <div className="answer">
          {item.interaction_type === "approval" || item.interaction_type === "review" ? (
            <button className="primary" disabled={busy} onClick={() => void send({ decision: "approve" })}>
              Approve
            </button>
          ) : null}
          {item.interaction_type === "selection"
            ? (data.options ?? []).map((o, i) => (
                <button key={i} className="choice" disabled={busy} onClick={() => void send({ choice: o.value })}>
                  {o.label ?? (typeof o.value === "string" ? o.value : JSON.stringify(o.value))}
                </button>
              ))
            : null}
          {item.interaction_type === "input" ? <InputForm schema={data.input_schema} busy={busy} send={send} /> : null}
          {rejectable ? (
            <span className="reject">
              <input
                name="reason"
                placeholder="Reason to reject"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
              <button
                className="danger"
                disabled={busy || reason.trim() === ""}
                onClick={() => void send({ decision: "reject", reason })}
              >
                Reject
              </button>
            </span>
          ) : null}
        </div>
      )}
      <ErrorBox error={error} />
    </article>
  );
}

interface FieldSpec {
  name: string;
  type: string;
  title: string;
}

// An input's form: one field per property of a flat object schema (text, number,
// yes/no); any other schema is answered as JSON.
function InputForm({
  schema,
  busy,
  send,
}: {
  schema: Json | undefined;
  busy: boolean;
  send: (response: { [key: string]: Json }) => Promise<void>;
}) {
  const fields = flatFields(schema);
  const [values, setValues] = useState<Record<string, string>>({});
  const [raw, setRaw] = useState("");
  const [error, setError] = useState<string | null>(null);

  const submit = () => {
    setError(null);
    let answer: Json;
    if (fields) {
      const out: { [key: string]: Json } = {};
      for (const f of fields) {
        const v = values[f.name] ?? "";
        if (v === "") continue;
        if (f.type === "number" || f.type === "integer") out[f.name] = Number(v);
        else if (f.type === "boolean") out[f.name] = v === "true";
        else out[f.name] = v;
      }
      answer = out;
    } else {
      try {
        answer = JSON.parse(raw) as Json;
      } catch {
        setError("The answer is not valid JSON.");
        return;
      }
    }
    void send({ answer });
  };

  return (
    <div className="input-form">
      {fields ? (
        fields.map((f) => (
          <label key={f.name}>
            {f.title}
            {f.type === "boolean" ? (
              <select name={f.name} value={values[f.name] ?? ""} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                <option value="" />
                <option value="true">yes</option>
                <option value="false">no</option>
              </select>
            ) : (
              <input
                name={f.name}
                type={f.type === "number" || f.type === "integer" ? "number" : "text"}
                value={values[f.name] ?? ""}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
            )}
          </label>
        ))
      ) : (
        <label>
          Answer (JSON)
          <textarea name="answer" rows={4} value={raw} onChange={(e) => setRaw(e.target.value)} />
        </label>
      )}
      <button className="primary" disabled={busy} onClick={submit}>
        Send
      </button>
      {error ? <div className="error">{error}</div> : null}
    </div>
  );
}

function flatFields(schema: Json | undefined): FieldSpec[] | null {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return null;
  if (schema.type !== "object") return null;
  const props = schema.properties;
  if (!props || typeof props !== "object" || Array.isArray(props)) return null;
  const out: FieldSpec[] = [];
  for (const [name, spec] of Object.entries(props)) {
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) return null;
    const type = typeof spec.type === "string" ? spec.type : "";
    if (!["string", "number", "integer", "boolean"].includes(type)) return null;
    out.push({ name, type, title: typeof spec.title === "string" ? spec.title : name });
  }
  return out;
}
