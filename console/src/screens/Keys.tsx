// The user's provider key pool, per provider: each key's masked prefix (never the key),
// whether it is ready, cooling down (until when, and why) or switched off, its failures in
// a row, its calls and failures of the last 24 hours and in all, and its last error.

import { api, type PoolKey } from "../api";
import { usePoll } from "../hooks";
import { Badge, ErrorBox, when } from "../ui";

export function Keys() {
  const pool = usePoll(() => api.keys(), "keys", () => 10000);
  const keys = pool.data?.keys ?? [];
  const providers = [...new Set(keys.map((k) => k.provider))];
  return (
    <div>
      <h1>Keys</h1>
      <ErrorBox error={pool.error} />
      {pool.loading && !pool.data ? <p className="muted">Loading…</p> : null}
      {pool.data && keys.length === 0 ? (
        <p className="muted">No provider keys yet: add one with add_api_key (see the README).</p>
      ) : null}
      {providers.map((provider) => {
        const mine = keys.filter((k) => k.provider === provider);
        const ready = mine.filter((k) => k.status === "ready").length;
        return (
          <section key={provider} className="panel" data-provider={provider}>
            <h2>
              {provider}{" "}
              <span className={`small ${ready === 0 ? "error-text" : "muted"}`} data-testid="ready-count">
                {ready} of {mine.length} ready
              </span>
            </h2>
            <table className="list keys">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Status</th>
                  <th>Cooldown</th>
                  <th className="num">Failures in a row</th>
                  <th className="num">Last 24 h (failed)</th>
                  <th className="num">All calls (failed)</th>
                  <th>Last error</th>
                  <th>Last used</th>
                </tr>
              </thead>
              <tbody>
                {mine.map((k) => (
                  <KeyRow key={k.id} k={k} />
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </div>
  );
}

function KeyRow({ k }: { k: PoolKey }) {
  return (
    <tr data-key={k.id}>
      <td>
        {k.key_name} <code className="prefix">{k.key_prefix}</code>
        <div className="muted small">
          priority {k.priority}
          {k.model_preference ? ` · for ${k.model_preference}` : ""}
        </div>
      </td>
      <td>
        <Badge status={k.status} />
      </td>
      <td>
        {k.status === "blocked" ? (
          <>
            until {when(k.blocked_until)}
            <div className="muted small">{k.block_reason}</div>
          </>
        ) : k.status === "inactive" && k.block_reason ? (
          <span className="muted small">{k.block_reason}</span>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td className="num">{k.consecutive_failures ?? 0}</td>
      <td className="num">
        {k.calls_24h} ({k.failures_24h})
      </td>
      <td className="num">
        {k.total_calls ?? 0} ({k.total_failures ?? 0})
      </td>
      <td className="small">
        {k.last_error ? <span className="clamp">{k.last_error}</span> : <span className="muted">–</span>}
        {k.last_failure_at ? <div className="muted">{when(k.last_failure_at)}</div> : null}
      </td>
      <td>{when(k.last_used_at)}</td>
    </tr>
  );
}
