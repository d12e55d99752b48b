// The custom components the user may read (their own, then the public ones), each previewed
// in the sandbox with its mock_data, its TSX a click away. mock_data is the output the
// component renders, or its props when it has "output" or "data" (and "input", "schema").

import { useState } from "react";
import { api, type ComponentListItem, type Json } from "../api";
import { ComponentView, type ComponentProps } from "../ComponentView";
import { usePoll } from "../hooks";
import { ErrorBox, JsonView, when } from "../ui";

export function Components() {
  const list = usePoll(() => api.components(), "components", () => null);
  const components = list.data?.components ?? [];
  return (
    <div>
      <h1>Components</h1>
      <p className="muted">
        TSX views of a stage's output, run in a sandbox (no network, no access to this page). Each is shown with its
        sample data.
      </p>
      <ErrorBox error={list.error} />
      {list.data && components.length === 0 ? <p className="muted">No components yet.</p> : null}
      {components.map((c) => (
        <Preview key={c.id} component={c} />
      ))}
    </div>
  );
}

function sampleProps(mock: Json): ComponentProps {
  if (mock !== null && typeof mock === "object" && !Array.isArray(mock) && ("output" in mock || "data" in mock)) {
    const output = mock.output ?? mock.data ?? null;
    return { data: output, output, input: mock.input ?? null, schema: mock.schema ?? null };
  }
  return { data: mock, output: mock, input: null, schema: null };
}

function Preview({ component: c }: { component: ComponentListItem }) {
  const [showCode, setShowCode] = useState(false);
  return (
    <section className="panel" data-component={c.id}>
      <h2>
        {c.name} <span className="badge">{c.mine ? "yours" : "public"}</span>
        {c.mine && c.is_public ? <span className="badge"> public</span> : null}
      </h2>
      {c.description ? <p className="muted">{c.description}</p> : null}
      <ComponentView
        code={c.code}
        name={c.name}
        props={sampleProps(c.mock_data)}
        fallback={<JsonView value={c.mock_data} />}
      />
      <p className="muted small">
        updated {when(c.updated_at)} ·{" "}
        <button className="link" onClick={() => setShowCode(!showCode)}>
          {showCode ? "hide its code" : "show its code"}
        </button>
      </p>
      {showCode ? <pre className="prompt component-code">{c.code}</pre> : null}
    </section>
  );
}
