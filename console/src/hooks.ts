// The page's state helpers: the hash route (so every screen and filter has a URL) and
// polling that stops while the tab is hidden.

import { useCallback, useEffect, useRef, useState } from "react";

export interface Route {
  path: string[]; // "#/batches/abc" -> ["batches", "abc"]
  params: URLSearchParams;
}

function readHash(): Route {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [path = "", search = ""] = raw.split("?", 2);
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const changed = () => setRoute(readHash());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export function href(path: string, params?: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ""}`;
}

export function useVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== "hidden");
  useEffect(() => {
    const changed = () => setVisible(document.visibilityState !== "hidden");
    document.addEventListener("visibilitychange", changed);
    return () => document.removeEventListener("visibilitychange", changed);
  }, []);
  return visible;
}

export interface Polled<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

// Loads `load()` now and whenever `key` changes; then again every `every(data)` ms
// (null: not again) while the tab is visible. A reload after an action is `reload()`.
export function usePoll<T>(load: () => Promise<T>, key: string, every: (data: T | null) => number | null): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const visible = useVisible();
  const loadRef = useRef(load);
  loadRef.current = load;
  const everyRef = useRef(every);
  everyRef.current = every;
  const keyRef = useRef(key);

  useEffect(() => {
    if (keyRef.current !== key) {
      keyRef.current = key;
      setData(null);
      setLoading(true);
    }
  }, [key]);

  useEffect(() => {
    if (!visible) return;
    let stopped = false;
    let timer: number | undefined;
    const run = async () => {
      let next: T | null = null;
      try {
        next = await loadRef.current();
        if (stopped) return;
        setData(next);
        setError(null);
      } catch (e) {
        if (stopped) return;
        setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        if (!stopped) setLoading(false);
      }
      const wait = everyRef.current(next);
      if (!stopped && wait !== null) timer = window.setTimeout(run, wait);
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [key, visible, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
