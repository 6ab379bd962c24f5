// Reading the orchestrator's API, and the small DOM helpers every page shares.
// The pages are signed in by a session cookie (orchestrator/console/sessions.py); a change also
// sends the CSRF cookie's value back as X-CSRF-Token, which another site cannot do.

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

export async function postJson(path, body) {
  return sendJson("POST", path, body);
}

export async function sendJson(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": cookie("stepwise_csrf") },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await problemOf(response);
  return response.status === 204 ? null : response.json();
}

function cookie(name) {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

// The top bar's "Sign out": forget the session cookies, then show the sign-in page.
document.getElementById("sign-out")?.addEventListener("click", async (event) => {
  event.preventDefault();
  await fetch("/console/session", { method: "DELETE" });
  location.assign("/console/sign-in");
});

/** The session ended (expired, or the token changed): sign in again, then come back here. */
export function signInAgain() {
  const back = location.pathname + location.search;
  location.assign(`/console/sign-in?next=${encodeURIComponent(back)}`);
}

async function problemOf(response) {
  if (response.status === 401 && location.pathname !== "/console/sign-in") signInAgain();
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    detail = body.detail || body.title || detail;
  } catch {
    // not problem+json: keep the status line
  }
  const error = new Error(detail);
  error.status = response.status;
  return error;
}

/** Element builder: h("a", {href: "/x", class: "y"}, "text", child...). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.className = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An execution's console address, exactly /console/executions/{execution_id}: the id's ":" is
 * left as it is (it is allowed in a path), the rest escaped. */
export function executionHref(executionId) {
  return `/console/executions/${encodeURIComponent(executionId).replaceAll("%3A", ":")}`;
}

export function pageParams() {
  return JSON.parse(document.getElementById("main").dataset.params || "{}");
}

// Execution statuses: a colour-blind-safe colour (CSS) and an icon each, never colour alone.
export const STATUS_ICONS = {
  RUNNING: "●",
  IN_PROGRESS: "●",
  SUCCEEDED: "✓",
  FAILED: "✗",
  TIMED_OUT: "⊘",
  ABORTED: "■",
  CAUGHT: "↪",
  RETRIED: "↻",
  PENDING_REDRIVE: "↺",
  NOT_RUN: "○",
};

export function statusBadge(status) {
  const label = status.replace("_", " ").toLowerCase();
  return h(
    "span",
    { class: `badge st-${status}`, title: label },
    h("span", { class: "icon", "aria-hidden": "true" }, STATUS_ICONS[status] || "•"),
    " ",
    label,
  );
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function formatDuration(startIso, endIso) {
  if (!startIso) return "—";
  const ms = (endIso ? new Date(endIso) : new Date()) - new Date(startIso);
  if (ms < 1000) return `${Math.max(ms, 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function prettyJson(value) {
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

// Postgres (jsonb) keeps a definition's keys in its own order: show them in the order people
// write ASL (Comment, StartAt, Type first; States, Next, End last), the rest alphabetically.
const FIRST = ["Comment", "QueryLanguage", "StartAt", "TimeoutSeconds", "Type", "Resource"];
const LAST = ["Retry", "Catch", "Branches", "ItemProcessor", "Iterator", "States", "Choices", "Default", "Next", "End"];

export function aslOrder(value) {
  if (Array.isArray(value)) return value.map(aslOrder);
  if (!value || typeof value !== "object") return value;
  const rank = (key) => (FIRST.includes(key) ? FIRST.indexOf(key) - 100 : LAST.includes(key) ? 100 + LAST.indexOf(key) : 0);
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((key) => [key, key === "Parameters" || key === "Arguments" ? value[key] : aslOrder(value[key])]));
}

export function showError(container, error) {
  container.replaceChildren(h("div", { class: "banner error", role: "alert" }, String(error.message || error)));
}
