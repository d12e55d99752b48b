// The sandbox's runtime (bundled as sandbox.js, loaded only by /sandbox.html): it compiles a
// stage's TSX component with sucrase and renders it with the props the page sends.
//
// /sandbox.html is framed as <iframe sandbox="allow-scripts"> (no allow-same-origin) and is
// served with a CSP of its own (`sandbox allow-scripts`, connect-src 'none', img-src data:,
// form-action 'none', ...), so this document has an opaque origin: no cookies, no storage,
// no access to the page that framed it, no network. Only here may code be evaluated
// ('unsafe-eval'): never in the console's page.
//
// The protocol (postMessage, both ways, the page being the only party):
//   sandbox -> page: {type: "ready"}, then {type: "rendered", height} or {type: "error", message}
//   page -> sandbox: {type: "render", code, props}
// The component receives the props ({data, output, input, schema}) and may import only
// "react" (and "orchable/ui", a small kit); the seed's bare `Component` is accepted too.

import * as React from "react";
import { createRoot, type Root } from "react-dom/client";
import { transform } from "sucrase";
import { kit } from "./kit";

type Props = { [key: string]: unknown };
type AnyComponent = React.ComponentType<Props>;

const MODULES: { [name: string]: unknown } = { react: React, "orchable/ui": kit };

// The names the seed's components use without importing them.
const SCOPE: { [name: string]: unknown } = {
  React,
  useState: React.useState,
  useEffect: React.useEffect,
  useMemo: React.useMemo,
  useCallback: React.useCallback,
  useRef: React.useRef,
  useReducer: React.useReducer,
  Fragment: React.Fragment,
  ...kit,
};

function post(message: { type: "ready" } | { type: "rendered"; height: number } | { type: "error"; message: string }) {
  window.parent.postMessage(message, "*"); // the page's origin is not this one's (opaque)
}

export function compile(code: string): AnyComponent {
  const js = transform(code, {
    transforms: ["typescript", "jsx", "imports"],
    jsxRuntime: "classic",
    production: true,
  }).code;
  const names = Object.keys(SCOPE);
  const body = `${js}\n;return typeof Component === "undefined" ? undefined : Component;`;
  const factory = new Function("require", "exports", "module", ...names, body) as (...args: unknown[]) => unknown;
  const module: { exports: { [key: string]: unknown } } = { exports: {} };
  const require = (name: string): unknown => {
    if (!(name in MODULES)) throw new Error(`a component may import only ${Object.keys(MODULES).join(", ")}, not ${name}`);
    return MODULES[name];
  };
  const bare = factory(require, module.exports, module, ...names.map((n) => SCOPE[n]));
  const found = module.exports.default ?? bare;
  if (typeof found !== "function" && (typeof found !== "object" || found === null)) {
    throw new Error("the component exports nothing to render: export default a component, or define Component");
  }
  return found as AnyComponent;
}

class Boundary extends React.Component<{ children: React.ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override componentDidMount() {
    report(); // after the component's first commit: the height the page gives the frame
  }

  override componentDidCatch(error: unknown) {
    fail(error);
  }

  override render() {
    return this.state.failed ? null : this.props.children;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function height(): number {
  return Math.ceil(document.documentElement.getBoundingClientRect().height);
}

let root: Root | null = null;
let reported = -1;
let failed = false;

function fail(error: unknown) {
  if (failed) return;
  failed = true;
  post({ type: "error", message: describe(error) });
}

function report() {
  if (failed) return;
  const h = height();
  if (h !== reported) {
    reported = h;
    post({ type: "rendered", height: h });
  }
}

function render(code: string, props: Props) {
  const mount = document.getElementById("root");
  if (!mount) return;
  failed = false;
  reported = -1;
  let Component: AnyComponent;
  try {
    Component = compile(code);
  } catch (e) {
    fail(e);
    return;
  }
  root ??= createRoot(mount, { onUncaughtError: fail });
  root.render(
    <Boundary key={Math.random()}>
      <Component {...props} />
    </Boundary>,
  );
}

window.addEventListener("message", (ev: MessageEvent) => {
  if (ev.source !== window.parent) return;
  const data = ev.data as { type?: unknown; code?: unknown; props?: unknown };
  if (data?.type !== "render" || typeof data.code !== "string") return;
  const props = typeof data.props === "object" && data.props !== null ? (data.props as Props) : {};
  render(data.code, props);
});

// An error the component throws later (a timer, an event handler) ends its view too.
window.addEventListener("error", (ev: ErrorEvent) => fail(ev.error ?? ev.message));
window.addEventListener("unhandledrejection", (ev: PromiseRejectionEvent) => fail(ev.reason));

new ResizeObserver(() => {
  if (reported >= 0) report();
}).observe(document.documentElement);

post({ type: "ready" });
