// An execution's event history, one page at a time (GET /executions/{id}/history?limit=&cursor=):
// an execution of 10,000 events never loads at once. Event ids run 1..N without gaps, so page p
// holds ids p*PAGE+1 .. (p+1)*PAGE and any page can be reached directly.

import { getJson, h, prettyJson } from "./api.js";

export const PAGE = 50;
const FAILURE = /Failed|TimedOut|Aborted/;

export class HistoryView {
  constructor(container, executionId) {
    this.container = container;
    this.path = `/executions/${encodeURIComponent(executionId)}/history`;
    this.after = 0;
    this.events = [];
    this.total = 0;
  }

  async load(after = 0) {
    this.after = Math.max(0, after);
    const page = await getJson(`${this.path}?limit=${PAGE}&cursor=${this.after}`);
    this.events = page.events;
    if (this.events.length) this.total = Math.max(this.total, this.events[this.events.length - 1].id);
    this.render();
  }

  /** The event id the live stream should send events after: the last shown, on the last page. */
  liveAfter() {
    return this.events.length < PAGE ? this.after + this.events.length : null;
  }

  /** The execution's event count, from the stream's summary (a page shows it and its pager). */
  setTotal(total) {
    if (total <= this.total) return;
    this.total = total;
    this.render();
  }

  /** New events from the stream: shown at once when this is the last page, else counted. */
  append(events) {
    for (const event of events) {
      const next = this.after + this.events.length + 1;
      if (event.id === next && this.events.length < PAGE) this.events.push(event);
      this.total = Math.max(this.total, event.id);
    }
    this.render();
  }

  render() {
    const first = this.after + 1;
    const last = this.after + this.events.length;
    const lastPageStart = Math.max(0, Math.floor((this.total - 1) / PAGE) * PAGE);
    const go = (after) => () => this.load(after);
    this.container.replaceChildren(
      h("p", { class: "muted", id: "history-range" }, this.events.length ? `Events ${first}–${last} of ${this.total}` : "No events yet."),
      h("div", { class: "head", "aria-hidden": "true" }, h("span", {}, "ID"), h("span", {}, "Type"), h("span", {}, "State"), h("span", {}, "Time")),
      h("div", { role: "list" }, this.events.map((event) => eventRow(event))),
      h(
        "div",
        { class: "pager" },
        h("button", { type: "button", disabled: this.after === 0, onclick: go(0) }, "⇤ First"),
        h("button", { type: "button", disabled: this.after === 0, onclick: go(this.after - PAGE), id: "history-prev" }, "← Earlier"),
        h("button", { type: "button", disabled: last >= this.total, onclick: go(this.after + PAGE), id: "history-next" }, "Later →"),
        h("button", { type: "button", disabled: this.after >= lastPageStart, onclick: go(lastPageStart), id: "history-last" }, "Last ⇥"),
      ),
    );
  }
}

function clock(iso) {
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  return `${time}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

function eventRow(event) {
  const details = event.details || {};
  return h(
    "details",
    { role: "listitem", "data-event-id": event.id },
    h(
      "summary",
      {},
      h("span", { class: "num" }, event.id),
      h("span", { class: FAILURE.test(event.type) ? "event-failed" : "" }, event.type),
      h("span", {}, details.name || ""),
      h("span", { class: "muted num" }, clock(event.timestamp)),
    ),
    h("pre", { class: "json" }, prettyJson(expand(details))),
  );
}

/** Inputs and outputs are stored as JSON text (as AWS sends them): shown as JSON. */
function expand(details) {
  const shown = { ...details };
  for (const key of ["input", "output", "parameters"]) {
    if (typeof shown[key] === "string") {
      try {
        shown[key] = JSON.parse(shown[key]);
      } catch {
        // not JSON: shown as text
      }
    }
  }
  return shown;
}
