// Small pieces every screen uses: status badges, progress bars, a readable JSON view,
// a confirmation dialog, errors, times and money.

import { useState, type ReactNode } from "react";
import { ApiError, type Json, type ViewConfig } from "./api";

export function Badge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status}
    </span>
  );
}

export function Progress({ done, failed, total }: { done: number; failed: number; total: number }) {
  const pct = (n: number) => (total > 0 ? (100 * n) / total : 0);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done + failed}>
      <div className="progress-done" style={{ width: `${pct(done)}%` }} />
      <div className="progress-failed" style={{ width: `${pct(failed)}%` }} />
    </div>
  );
}

export function money(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "–";
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toFixed(5)}`;
  return `$${usd.toFixed(2)}`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function ErrorBox({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{error instanceof ApiError ? `${error.code}: ` : ""}</strong>
      {error.message}
      {error instanceof ApiError && error.hint ? <div className="hint">{error.hint}</div> : null}
    </div>
  );
}

// A stage's view_config as the JSON view applies it. hiddenFields lists dotted paths to
// leave out ("a" is the key a at the top level, "a.b" the key b inside a; lists are passed
// through, so "a.b" names b in every item of a list a). delimiters maps such a path to the
// text its string is split at ({"body": "\n---\n", "tags": ","}): the string is shown as
// the list of its non-empty, trimmed parts. What does not fit (not an object, a path that
// is not text, a delimiter that is not a non-empty string) is ignored, never an error.
export interface View {
  hidden: string[];
  delimiters: { path: string[]; delimiter: string }[];
}

export function viewOf(config: ViewConfig | undefined): View {
  const settings = isObject(config) ? config : {};
  const hidden = Array.isArray(settings.hiddenFields)
    ? settings.hiddenFields.filter((h): h is string => typeof h === "string" && h !== "")
    : [];
  const given = isObject(settings.delimiters) ? settings.delimiters : {};
  const delimiters = Object.entries(given).flatMap(([path, delimiter]) =>
    path !== "" && typeof delimiter === "string" && delimiter !== "" ? [{ path: path.split("."), delimiter }] : [],
  );
  return { hidden, delimiters };
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

// Removes the fields at the paths `hidden` names (View.hidden).
export function hideFields(value: Json, hidden: string[] | undefined): Json {
  if (!hidden || hidden.length === 0) return value;
  const paths = hidden.map((h) => h.split("."));
  const walk = (v: Json, prefix: string[]): Json => {
    if (Array.isArray(v)) return v.map((item) => walk(item, prefix));
    if (v === null || typeof v !== "object") return v;
    const out: { [key: string]: Json } = {};
    for (const [k, child] of Object.entries(v)) {
      const here = [...prefix, k];
      if (paths.some((p) => samePath(p, here))) continue;
      out[k] = walk(child, here);
    }
    return out;
  };
  return walk(value, []);
}

// JSON as a person reads it: keys in bold, strings as text, nested objects indented; a
// string at a path of `delimiters` (View.delimiters) as the numbered list of its parts.
export function JsonView({ value, delimiters = [] }: { value: Json; delimiters?: View["delimiters"] }) {
  return <div className="json">{render(value, [], delimiters)}</div>;
}

function render(value: Json, path: string[], delimiters: View["delimiters"]): ReactNode {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === "string") {
    const split = delimiters.find((d) => samePath(d.path, path));
    const parts = split ? value.split(split.delimiter).map((part) => part.trim()).filter((part) => part !== "") : [];
    if (parts.length === 0) return <span className="json-string">{value}</span>;
    return (
      <ol className="parts">
        {parts.map((part, i) => (
          <li key={i} className="json-string">
            {part}
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === "number" || typeof value === "boolean") return <span className="json-scalar">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="json-null">[]</span>;
    return (
      <ol className="json-list" start={0}>
        {value.map((item, i) => (
          <li key={i}>{render(item, path, delimiters)}</li>
        ))}
      </ol>
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return <span className="json-null">{"{}"}</span>;
  return (
    <dl className="json-object">
      {entries.map(([k, v]) => (
        <div key={k} className="json-entry">
          <dt>{k}</dt>
          <dd>{render(v, [...path, k], delimiters)}</dd>
        </div>
      ))}
    </dl>
  );
}

// A button that asks before it acts; the action's error shows under it.
export function ConfirmButton({
  label,
  question,
  onConfirm,
  danger,
}: {
  label: string;
  question: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setAsking(false);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="confirm">
      <button className={danger ? "danger" : ""} onClick={() => setAsking(true)} disabled={asking}>
        {label}
      </button>
      {asking ? (
        <div className="dialog" role="dialog" aria-label={question}>
          <p>{question}</p>
          <div className="row">
            <button className={danger ? "danger" : "primary"} onClick={confirm} disabled={busy}>
              Yes, {label.toLowerCase()}
            </button>
            <button onClick={() => setAsking(false)} disabled={busy}>
              No
            </button>
          </div>
          <ErrorBox error={error} />
        </div>
      ) : null}
    </span>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  return (
    <section className="panel" id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
