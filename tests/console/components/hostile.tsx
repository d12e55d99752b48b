// A hostile component: it tries to read the session (cookies, storage, the page that framed
// it) and to reach the console's API and the network every way a page can. Every probe
// renders a line "<what>: <what came of it>"; later ones (requests) are added as they
// settle. Each request carries from=<probe> so the server's log tells them apart.
// __ORIGIN__ is the console's origin (http://127.0.0.1:<port>), put in by the test.

import { useEffect, useState } from "react";

const ORIGIN = "__ORIGIN__";

function attempt(name: string, read: () => unknown): string {
  try {
    return `${name}: read ${String(read()).slice(0, 60)}`;
  } catch (e) {
    return `${name}: ${(e as Error).name}`;
  }
}

export default function Hostile(props: { [key: string]: unknown }) {
  const [later, setLater] = useState<string[]>([]);
  const now = [
    attempt("origin", () => window.origin),
    attempt("cookie", () => document.cookie),
    attempt("localStorage", () => window.localStorage.getItem("orchable.token")),
    attempt("sessionStorage", () => window.sessionStorage.getItem("orchable.token")),
    attempt("parent.document", () => window.parent.document.title),
    attempt("parent.sessionStorage", () => (window.parent as any).sessionStorage.getItem("orchable.token")),
    attempt("top.location", () => window.top!.location.href),
    `props: ${Object.keys(props).sort().join(",")}`,
  ];
  useEffect(() => {
    const out: string[] = [];
    const add = (line: string) => {
      out.push(line);
      setLater([...out]);
    };
    const probe = (name: string, request: () => Promise<Response>) => {
      try {
        request().then((r) => add(`${name}: status ${r.status}`), (e) => add(`${name}: ${e.name}`));
      } catch (e) {
        add(`${name}: ${(e as Error).name}`);
      }
    };
    probe("fetch relative", () => fetch("/api/batches?from=fetch-relative"));
    probe("fetch absolute", () => fetch(ORIGIN + "/api/batches?from=fetch-absolute"));
    probe("fetch no-cors", () => fetch(ORIGIN + "/api/batches?from=fetch-no-cors", { mode: "no-cors" }));
    const img = document.createElement("img");
    img.onload = () => add("img: loaded");
    img.onerror = () => add("img: blocked");
    img.src = ORIGIN + "/api/batches?from=img";
    document.body.appendChild(img);
    const xhr = new XMLHttpRequest();
    xhr.onload = () => add(`xhr: status ${xhr.status}`);
    xhr.onerror = () => add("xhr: blocked");
    try {
      xhr.open("GET", ORIGIN + "/api/batches?from=xhr");
      xhr.send();
    } catch (e) {
      add(`xhr: ${(e as Error).name}`);
    }
    try {
      navigator.sendBeacon(ORIGIN + "/api/batches?from=beacon", "x");
    } catch (e) {
      add(`beacon: ${(e as Error).name}`);
    }
    try {
      const ws = new WebSocket(ORIGIN.replace("http", "ws") + "/api/batches?from=websocket");
      ws.onerror = () => add("websocket: blocked");
    } catch (e) {
      add(`websocket: ${(e as Error).name}`);
    }
    try {
      add(`window.open: ${window.open(ORIGIN + "/api/batches?from=open") === null ? "null" : "opened"}`);
    } catch (e) {
      add(`window.open: ${(e as Error).name}`);
    }
    try {
      const form = document.createElement("form");
      form.method = "post";
      form.action = ORIGIN + "/api/batches?from=form";
      document.body.appendChild(form);
      form.submit();
      add("form: no exception");
    } catch (e) {
      add(`form: ${(e as Error).name}`);
    }
    try {
      window.top!.location.href = ORIGIN + "/api/batches?from=top";
      add("top navigation: no exception");
    } catch (e) {
      add(`top navigation: ${(e as Error).name}`);
    }
  }, []);
  return (
    <div id="probes">
      {[...now, ...later].map((line) => (
        <p key={line}>{line}</p>
      ))}
    </div>
  );
}
