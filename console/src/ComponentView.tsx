// A stage's custom component (TSX), rendered in the sandbox: <iframe sandbox="allow-scripts">
// on /sandbox.html (an opaque origin, a CSP of its own: no network, no parent, no cookies or
// storage). The page and the frame talk only by postMessage, and the page listens only to
// messages whose source is this frame:
//   frame -> page: ready, then rendered(height) | error(message)
//   page -> frame: render(code, props)
// A component that fails (to compile, to render, or to answer at all) shows its error and
// the fallback (the readable JSON view).

import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Json } from "./api";

const MAX_HEIGHT = 4000;
const ANSWER_WITHIN_MS = 10_000;

type State = { phase: "loading" } | { phase: "rendered"; height: number } | { phase: "error"; message: string };

export interface ComponentProps {
  data: Json;
  output: Json;
  input: Json;
  schema: Json;
}

export function ComponentView({
  code,
  props,
  name,
  fallback,
}: {
  code: string;
  props: ComponentProps;
  name: string;
  fallback: ReactNode;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [ready, setReady] = useState(false);
  const [state, setState] = useState<State>({ phase: "loading" });
  const message = JSON.stringify({ code, props }); // what changes the rendering

  useEffect(() => {
    const listen = (ev: MessageEvent) => {
      const win = frame.current?.contentWindow;
      if (!win || ev.source !== win) return; // only this frame speaks here
      const data = ev.data as { type?: unknown; height?: unknown; message?: unknown } | null;
      if (data?.type === "ready") setReady(true);
      else if (data?.type === "rendered" && typeof data.height === "number" && Number.isFinite(data.height)) {
        const height = Math.max(0, Math.min(MAX_HEIGHT, Math.round(data.height)));
        setState((s) => (s.phase === "error" ? s : { phase: "rendered", height }));
      } else if (data?.type === "error") {
        setState({ phase: "error", message: String(data.message ?? "the component failed").slice(0, 2000) });
      }
    };
    window.addEventListener("message", listen);
    return () => window.removeEventListener("message", listen);
  }, []);

  useEffect(() => {
    setState({ phase: "loading" });
    const late = setTimeout(
      () => setState((s) => (s.phase === "loading" ? { phase: "error", message: "the component did not answer" } : s)),
      ANSWER_WITHIN_MS,
    );
    return () => clearTimeout(late);
  }, [message]);

  useEffect(() => {
    if (ready) frame.current?.contentWindow?.postMessage({ type: "render", ...(JSON.parse(message) as object) }, "*");
  }, [ready, message]);

  const failed = state.phase === "error";
  return (
    <div className="component-view" data-component-state={state.phase}>
      <iframe
        ref={frame}
        className="component-frame"
        title={`component ${name}`}
        src="sandbox.html"
        sandbox="allow-scripts"
        referrerPolicy="no-referrer"
        style={{ height: state.phase === "rendered" ? state.height : failed ? 0 : 40, display: failed ? "none" : "block" }}
      />
      {failed ? (
        <>
          <div className="error" role="alert" data-testid="component-error">
            <strong>The component {name} failed: </strong>
            {state.message}
          </div>
          {fallback}
        </>
      ) : null}
    </div>
  );
}
