// The executions page: newest first, counts by status, filters, search by name, cursor paging.
// The filters live in the URL, so a filtered list can be linked to and survives a reload.

import { executionHref, formatDuration, formatTime, getJson, h, showError, statusBadge } from "./api.js";

const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];
const PAGE_SIZE = 50;
const main = document.getElementById("main");
const cursors = []; // cursors of the pages before this one (for "Previous")

function filtersFromUrl() {
  const query = new URLSearchParams(location.search);
  return {
    stateMachineName: query.get("stateMachineName") || "",
    status: query.get("status") || "",
    name: query.get("name") || "",
    startedAfter: query.get("startedAfter") || "",
    startedBefore: query.get("startedBefore") || "",
  };
}

function apiQuery(filters, cursor) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), counts: "true" });
  for (const [key, value] of Object.entries(filters)) {
    if (!value) continue;
    // datetime-local has no zone: the user's local time
    query.set(key, key.startsWith("started") ? new Date(value).toISOString() : value);
  }
  if (cursor) query.set("cursor", cursor);
  return query;
}

async function render(filters, cursor) {
  const machines = await getJson("/state-machines");
  const page = await getJson(`/executions?${apiQuery(filters, cursor)}`);
  main.replaceChildren(
    h("h1", {}, "Executions"),
    h(
      "section",
      { class: "panel", "aria-label": "State machines" },
      h("h2", {}, "State machines"),
      h(
        "ul",
        { class: "machines" },
        machines.map((m) =>
          h("li", {}, h("a", { href: `/console/state-machines/${encodeURIComponent(m.name)}` }, m.name, h("span", { class: "muted" }, ` v${m.version}`))),
        ),
      ),
    ),
    filterForm(filters, machines),
    counts(filters, page.counts || {}),
    h("section", { class: "panel", "aria-label": "Executions" }, table(page.executions), pager(filters, cursor, page.nextCursor)),
  );
}

function filterForm(filters, machines) {
  const field = (label, control) => h("label", { class: "field" }, label, control);
  const form = h(
    "form",
    { class: "filters panel", role: "search", onsubmit: (event) => apply(event, form) },
    field("Name contains (an order id finds its execution)", h("input", { name: "name", value: filters.name, type: "search", size: 36, placeholder: "e.g. 3f1c…" })),
    field(
      "State machine",
      h("select", { name: "stateMachineName" }, h("option", { value: "" }, "All"), machines.map((m) => h("option", { value: m.name, selected: m.name === filters.stateMachineName }, m.name))),
    ),
    field("Status", h("select", { name: "status" }, h("option", { value: "" }, "All"), STATUSES.map((s) => h("option", { value: s, selected: s === filters.status }, s)))),
    field("Started after", h("input", { name: "startedAfter", type: "datetime-local", value: filters.startedAfter, step: 1 })),
    field("Started before", h("input", { name: "startedBefore", type: "datetime-local", value: filters.startedBefore, step: 1 })),
    h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, "Apply"), h("a", { class: "button", href: "/console" }, "Clear")),
  );
  return form;
}

function apply(event, form) {
  event.preventDefault();
  const data = new FormData(form);
  navigate(Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v)])));
}

function navigate(filters) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  history.pushState(null, "", `/console${query.size ? `?${query}` : ""}`);
  cursors.length = 0;
  load(null);
}

function counts(filters, byStatus) {
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const chip = (status, label, count) =>
    h(
      "button",
      {
        type: "button",
        class: "count",
        "aria-pressed": String(filters.status === status),
        onclick: () => navigate({ ...filters, status }),
      },
      status ? statusBadge(status) : h("span", {}, label),
      h("strong", {}, count),
    );
  return h("div", { class: "counts", "aria-label": "Executions by status" }, chip("", "All", total), STATUSES.map((s) => chip(s, s, byStatus[s] || 0)));
}

function table(executions) {
  if (!executions.length) return h("p", { class: "muted" }, "No executions match.");
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ["Name", "State machine", "Status", "Started", "Duration"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      executions.map((e) =>
        h(
          "tr",
          {},
          h("td", { class: "mono" }, h("a", { href: executionHref(e.executionId) }, e.name)),
          h("td", {}, `${e.stateMachineName} v${e.stateMachineVersion}`),
          h("td", {}, statusBadge(e.status)),
          h("td", {}, formatTime(e.startDate)),
          h("td", { class: "num" }, formatDuration(e.startDate, e.stopDate)),
        ),
      ),
    ),
  );
}

function pager(filters, cursor, nextCursor) {
  return h(
    "div",
    { class: "pager" },
    h("button", { type: "button", disabled: !cursors.length, onclick: () => load(cursors.pop() ?? null, true) }, "← Newer"),
    h(
      "button",
      {
        type: "button",
        disabled: !nextCursor,
        onclick: () => {
          cursors.push(cursor);
          load(nextCursor);
        },
      },
      "Older →",
    ),
  );
}

let current = null;
async function load(cursor) {
  current = cursor;
  try {
    await render(filtersFromUrl(), cursor);
  } catch (error) {
    showError(main, error);
  }
}

window.addEventListener("popstate", () => {
  cursors.length = 0;
  load(null);
});
load(current);
