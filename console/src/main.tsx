// The console's page: sign-in, the navigation, and the screen the URL names
// (#/batches, #/batches/<id>, #/tasks/<id>, #/inbox, #/pipelines, #/monitors,
// #/monitors/<id>, #/costs, #/keys, #/components).

import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, ApiError, saveToken, type Session } from "./api";
import { href, useRoute } from "./hooks";
import { Batch } from "./screens/Batch";
import { Batches } from "./screens/Batches";
import { Components } from "./screens/Components";
import { Costs } from "./screens/Costs";
import { Inbox } from "./screens/Inbox";
import { Keys } from "./screens/Keys";
import { Monitors, MonitorScreen } from "./screens/Monitors";
import { Pipelines } from "./screens/Pipelines";
import { Task } from "./screens/Task";
import { ErrorBox } from "./ui";
import "./app.css";

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    api.session().then(
      (s) => {
        setSession(s);
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e : new Error(String(e))),
    );
  }, [attempt]);

  if (!session) {
    if (error instanceof ApiError && error.status === 401) {
      return <SignIn error={error} signedIn={() => setAttempt((a) => a + 1)} />;
    }
    return <main className="page">{error ? <ErrorBox error={error} /> : <p className="muted">Loading…</p>}</main>;
  }
  const signOut = () => {
    saveToken(null);
    setSession(null);
    setAttempt((a) => a + 1);
  };
  return <Shell session={session} signOut={signOut} />;
}

function SignIn({ error, signedIn }: { error: ApiError; signedIn: () => void }) {
  const [token, setToken] = useState("");
  return (
    <main className="page signin">
      <h1>orchable</h1>
      <p>
        Sign in with your Supabase access token, or an access key made with the console scope (
        <code>orchable access-keys create NAME --scope console</code>).
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          saveToken(token.trim());
          signedIn();
        }}
      >
        <textarea
          name="token"
          rows={4}
          aria-label="access token or access key"
          placeholder="eyJhbGciOi… or orch_…"
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <button className="primary" type="submit" disabled={token.trim() === ""}>
          Sign in
        </button>
      </form>
      {error.code !== "sign_in_required" ? <ErrorBox error={error} /> : null}
    </main>
  );
}

function Shell({ session, signOut }: { session: Session; signOut: () => void }) {
  const route = useRoute();
  const [section = "batches", id] = route.path;
  let screen;
  if (section === "batches" && id) screen = <Batch key={id} id={id} readOnly={session.read_only} />;
  else if (section === "tasks" && id) screen = <Task key={id} id={id} readOnly={session.read_only} />;
  else if (section === "inbox") screen = <Inbox readOnly={session.read_only} />;
  else if (section === "pipelines") screen = <Pipelines />;
  else if (section === "monitors" && id) screen = <MonitorScreen key={id} id={id} readOnly={session.read_only} />;
  else if (section === "monitors") screen = <Monitors />;
  else if (section === "costs") screen = <Costs route={route} />;
  else if (section === "keys") screen = <Keys />;
  else if (section === "components") screen = <Components />;
  else screen = <Batches route={route} />;
  const tab = (name: string, label: string) => (
    <a href={href(name)} className={section === name ? "active" : ""}>
      {label}
    </a>
  );
  return (
    <>
      <header className="top">
        <span className="brand">orchable</span>
        <nav>
          {tab("batches", "Batches")}
          {tab("inbox", "Inbox")}
          {tab("pipelines", "Pipelines")}
          {tab("monitors", "Monitors")}
          {tab("costs", "Costs")}
          {tab("keys", "Keys")}
          {tab("components", "Components")}
        </nav>
        <span className="who">
          {session.read_only ? <span className="badge badge-paused">read-only</span> : null}{" "}
          {session.email ?? session.user_id}
          {session.via === "dev" ? " (dev)" : (
            <button className="link" onClick={signOut}>
              sign out
            </button>
          )}
        </span>
      </header>
      <main className="page">{screen}</main>
    </>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
