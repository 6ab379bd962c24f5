// The execution page: its graph coloured by what happened, kept current by the execution's event
// stream (GET /executions/{id}/events); a table of the states it entered; its history, paged.

import { formatDuration, formatTime, getJson, h, pageParams, postJson, prettyJson, showError, statusBadge } from "./api.js";
import { layoutDefinition } from "./definition-graph.js";
import { legend, renderGraph } from "./graph-view.js";
import { HistoryView } from "./history-view.js";

const main = document.getElementById("main");
const { executionId } = pageParams();
const enc = encodeURIComponent(executionId);

const REDRIVABLE = ["FAILED", "TIMED_OUT", "ABORTED"];
let execution = null;
let summary = { states: {}, visits: [], visitCount: 0, lastEventId: 0 };
let selection = null; // {name} or {visit: enteredEventId}
let graphView = null;
let stream = null;
const parts = {
  header: h("div", {}),
  banner: h("div", {}),
  graph: h("div", { class: "graph-wrap", id: "graph" }),
  detail: h("div", { class: "detail", id: "state-detail" }),
  states: h("div", { id: "states-table" }),
  history: h("div", { class: "history", id: "history" }),
  dialog: h("dialog", { id: "confirm", "aria-labelledby": "confirm-title" }),
};
const historyView = new HistoryView(parts.history, executionId);

async function start() {
  execution = await getJson(`/executions/${enc}`);
  const machine = await getJson(
    `/state-machines/${encodeURIComponent(execution.stateMachineName)}?version=${execution.stateMachineVersion}`,
  );
  main.replaceChildren(
    parts.header,
    parts.banner,
    h(
      "div",
      { class: "execution-grid" },
      h("section", { class: "panel", "aria-label": "Graph" }, h("h2", {}, "Graph"), parts.graph, legend()),
      h("section", { class: "panel", "aria-label": "Selected state" }, parts.detail),
    ),
    h("section", { class: "panel", "aria-label": "States entered" }, h("h2", {}, "States entered"), parts.states),
    h("section", { class: "panel", "aria-label": "Event history" }, h("h2", {}, "Event history"), parts.history),
    parts.dialog,
  );
  graphView = renderGraph(parts.graph, layoutDefinition(machine.definition), { onSelect: (name) => select({ name }) });
  renderExecution();
  renderStates();
  // The stream's first message is the summary of every state (GET .../states would read the
  // same history twice): open it as soon as the history page says where it ends.
  await historyView.load();
  openStream();
}

function openStream() {
  if (stream) stream.close();
  const after = historyView.liveAfter();
  stream = new EventSource(`/executions/${enc}/events${after === null ? "" : `?after=${after}`}`);
  stream.addEventListener("execution", (event) => {
    execution = JSON.parse(event.data);
    renderExecution();
  });
  stream.addEventListener("states", (event) => {
    summary = JSON.parse(event.data);
    renderStates();
  });
  stream.addEventListener("history", (event) => historyView.append(JSON.parse(event.data).events));
  stream.addEventListener("end", () => {
    stream.close();
    stream = null;
    main.dataset.live = "ended";
  });
  main.dataset.live = "open";
}

function renderExecution() {
  const e = execution;
  parts.header.replaceChildren(
    h(
      "div",
      { class: "row" },
      h(
        "div",
        { class: "grow" },
        h("h1", {}, e.name),
        h(
          "div",
          { class: "meta" },
          h("span", { id: "execution-status" }, statusBadge(e.status)),
          h("span", {}, "State machine ", h("a", { href: `/console/state-machines/${encodeURIComponent(e.stateMachineName)}?version=${e.stateMachineVersion}` }, `${e.stateMachineName} v${e.stateMachineVersion}`)),
          h("span", {}, "Started ", h("b", {}, formatTime(e.startDate))),
          h("span", {}, "Stopped ", h("b", {}, formatTime(e.stopDate))),
          h("span", {}, "Duration ", h("b", { id: "execution-duration" }, formatDuration(e.startDate, e.stopDate))),
          e.redriveCount ? h("span", {}, "Redriven ", h("b", {}, e.redriveCount), " time(s)") : null,
        ),
      ),
      h(
        "div",
        { class: "actions" },
        e.status === "RUNNING" ? h("button", { class: "danger", type: "button", id: "stop", onclick: confirmStop }, "■ Stop") : null,
        REDRIVABLE.includes(e.status) ? h("button", { class: "primary", type: "button", id: "redrive", onclick: confirmRedrive }, "↺ Redrive") : null,
      ),
    ),
  );
  parts.banner.replaceChildren(
    ["FAILED", "TIMED_OUT", "ABORTED"].includes(e.status)
      ? h(
          "div",
          { class: "banner error", role: "alert", id: "failure-banner" },
          h("strong", {}, `${e.status.replace("_", " ")}: ${e.error || "no error name"}`),
          e.cause ? h("pre", {}, e.cause) : null,
        )
      : "",
  );
}

function renderStates() {
  graphView.setStatuses(summary.states);
  graphView.markTakenEdges(summary.states);
  main.dataset.lastEventId = String(summary.lastEventId);
  historyView.setTotal(summary.lastEventId);
  // The table is redrawn on every update: a row that had the keyboard's focus gets it back.
  const focused = document.activeElement?.dataset?.visit;
  const rows = summary.visits.map((v) =>
    h(
      "tr",
      {
        class: `selectable${selection?.visit === v.enteredEventId ? " selected" : ""}`,
        tabindex: "0",
        "data-state": v.name,
        "data-visit": v.enteredEventId,
        onclick: () => select({ visit: v.enteredEventId, name: v.name }),
        onkeydown: (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            select({ visit: v.enteredEventId, name: v.name });
          }
        },
      },
      h("td", {}, v.name),
      h("td", {}, v.type),
      h("td", {}, formatTime(v.enteredAt)),
      h("td", { class: "num" }, v.status === "IN_PROGRESS" ? `${formatDuration(v.enteredAt, null)} so far` : formatDuration(v.enteredAt, v.exitedAt)),
      h("td", { class: "num" }, v.retries ? `${v.attempts} (${v.retries} ${v.retries === 1 ? "retry" : "retries"})` : String(v.attempts)),
      h("td", {}, statusBadge(v.status)),
    ),
  );
  const more = summary.visitCount > summary.visits.length ? h("p", { class: "muted" }, `The first ${summary.visits.length} of ${summary.visitCount} visits are listed.`) : null;
  parts.states.replaceChildren(
    rows.length
      ? h(
          "div",
          { class: "scroll" },
          h("table", {}, h("thead", {}, h("tr", {}, ["State", "Type", "Started", "Duration", "Attempts", "Status"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)),
        )
      : h("p", { class: "muted" }, "No state entered yet."),
    more || "",
  );
  if (focused) parts.states.querySelector(`tr[data-visit="${focused}"]`)?.focus();
  renderDetail();
}

function select(what) {
  selection = what;
  graphView.select(what.name);
  renderStates();
}

function renderDetail() {
  if (!selection) {
    parts.detail.replaceChildren(h("h2", {}, "State"), h("p", { class: "muted" }, "Select a state in the graph or the table to see its input and output."));
    return;
  }
  const visits = summary.visits.filter((v) => v.name === selection.name);
  const visit = selection.visit ? visits.find((v) => v.enteredEventId === selection.visit) : visits[visits.length - 1];
  const state = summary.states[selection.name];
  if (!visit) {
    parts.detail.replaceChildren(h("h2", {}, selection.name), h("p", { class: "muted" }, state ? "Visited; its visits are beyond the listed ones." : "Not run."));
    return;
  }
  parts.detail.replaceChildren(
    h("h2", {}, visit.name),
    h(
      "div",
      { class: "meta" },
      statusBadge(visit.status),
      h("span", {}, visit.type),
      h("span", {}, "Attempts ", h("b", {}, visit.attempts)),
      state && state.visits > 1 ? h("span", {}, `visit ${visits.indexOf(visit) + 1} of ${state.visits}`) : null,
    ),
    visit.error ? h("div", { class: "banner error" }, h("strong", {}, visit.error), visit.cause ? h("pre", {}, visit.cause) : null) : "",
    h("h3", {}, "Input"),
    h("pre", { id: "state-input", tabindex: "0" }, prettyJson(visit.input)),
    h("h3", {}, "Output"),
    h("pre", { id: "state-output", tabindex: "0" }, visit.output === null ? "—" : prettyJson(visit.output)),
  );
}

function confirm(title, text, label, action) {
  parts.dialog.replaceChildren(
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: "confirm-title" }, title),
      h("p", {}, text),
      h("div", { class: "actions" }, h("button", { value: "cancel", type: "submit" }, "Cancel"), h("button", { value: "ok", class: "primary", type: "submit", id: "confirm-ok" }, label)),
    ),
  );
  parts.dialog.onclose = async () => {
    if (parts.dialog.returnValue !== "ok") return;
    try {
      execution = await action();
      renderExecution();
      if (!stream) openStream();
    } catch (error) {
      parts.banner.replaceChildren(h("div", { class: "banner error", role: "alert" }, String(error.message)));
    }
  };
  parts.dialog.showModal();
}

function confirmStop() {
  confirm("Stop this execution?", "It ends ABORTED; replies that arrive later are ignored. It can be redriven afterwards.", "Stop execution", () =>
    postJson(`/executions/${enc}/stop`, { error: "Console.Stopped", cause: "stopped from the console" }),
  );
}

function confirmRedrive() {
  confirm("Redrive this execution?", "It restarts from the state that failed, keeping what earlier states produced.", "Redrive", () => postJson(`/executions/${enc}/redrive`, {}));
}

// A running execution's duration counts up between updates.
setInterval(() => {
  const shown = document.getElementById("execution-duration");
  if (shown && execution?.status === "RUNNING") shown.textContent = formatDuration(execution.startDate, null);
}, 1000);

start().catch((error) => showError(main, error));
