// The order page: polls web's GET /orders/{id} every 500 ms until the order is finished, and
// draws its steps. Polling web (which reads the execution and its history) leaves the
// orchestrator's transition path alone.
import { ApiError, getJson } from "./api.js";
import { formatMoney } from "./money.js";
import { orderPresentation, statusWord } from "./tracker.js";

const POLL_MS = 500;
const MAX_BACKOFF_MS = 4000;
const orderId = decodeURIComponent(window.location.pathname.split("/").pop());
const consoleUrl = document.querySelector('meta[name="console-url"]').content.replace(/\/+$/, "");

const $ = (id) => document.getElementById(id);

function icon(state) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "step-icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `#icon-${state}`);
  svg.append(use);
  return svg;
}

function renderSteps(list, steps) {
  list.replaceChildren(
    ...steps.map((step) => {
      const item = document.createElement("li");
      item.className = `step step-${step.state}`;
      item.dataset.step = step.key;
      item.dataset.state = step.state;
      const marker = document.createElement("span");
      marker.className = "step-marker";
      marker.append(icon(step.state));
      const body = document.createElement("div");
      body.className = "step-body";
      const title = document.createElement("p");
      title.className = "step-title";
      const label = document.createElement("span");
      label.textContent = step.label;
      const badge = document.createElement("span");
      badge.className = "step-status";
      badge.textContent = statusWord(step.state);
      title.append(label, badge);
      const text = document.createElement("p");
      text.className = "step-text";
      text.textContent = step.text;
      body.append(title, text);
      item.append(marker, body);
      if (step.state === "active" || step.state === "retrying") item.setAttribute("aria-current", "step");
      return item;
    }),
  );
}

function renderBanner(banner) {
  const box = $("order-status");
  box.className = `status-banner status-${banner.tone}`;
  box.dataset.tone = banner.tone;
  box.querySelector("use").setAttribute("href", `#icon-${banner.tone}`);
  $("status-title").textContent = banner.title;
  $("status-text").textContent = banner.text;
}

function renderOutcome(order) {
  const box = $("outcome");
  if (order.status === "COMPLETED" && order.tracking_number) {
    box.innerHTML = `<p class="outcome-label">Tracking number</p><p class="tracking" id="tracking-number"></p>
      <p class="hint">Use it on the carrier's website to follow your parcel.</p>`;
    $("tracking-number").textContent = order.tracking_number;
    box.hidden = false;
  } else if (order.status === "FAILED") {
    box.innerHTML = `<p class="outcome-label">What happened</p><p id="failure-cause"></p>
      <p><a class="button-secondary" href="/shop">Back to the shop</a></p>`;
    const cause = order.failure?.cause;
    $("failure-cause").textContent = cause ? capitalize(cause) : "No further details were given.";
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}

function capitalize(text) {
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

function renderSummary(order) {
  $("summary-lines").replaceChildren(
    ...order.items.map((line) => {
      const row = document.createElement("tr");
      const cells = [line.name, String(line.quantity), formatMoney(line.line_total_cents, order.currency)];
      cells.forEach((value, index) => {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (index > 0) cell.className = "num";
        row.append(cell);
      });
      return row;
    }),
  );
  $("summary-total").textContent = formatMoney(order.total_cents, order.currency);
}

function render(order) {
  const view = orderPresentation(order);
  renderBanner(view.banner);
  renderSteps($("tracker"), view.forward);
  $("undo").hidden = view.undo.length === 0;
  renderSteps($("undo-tracker"), view.undo);
  renderOutcome(order);
  renderSummary(order);
  $("order-details").hidden = false;
  if (order.execution_id) setConsoleLink(order.execution_id);
  if (order.created_at) {
    const placed = new Date(order.created_at);
    $("order-placed").textContent = `placed ${placed.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}`;
  }
  document.body.dataset.orderStatus = order.status;
  document.title = `${view.banner.title} · Stepwise Store`;
  return view.finished;
}

function showMissing(message) {
  renderBanner({ tone: "failed", title: "We can't find this order.", text: message });
  document.body.dataset.orderStatus = "MISSING";
}

let backoff = POLL_MS;
let lastSeen = "";
let reconnecting = false;
async function poll() {
  try {
    const order = await getJson(`/orders/${encodeURIComponent(orderId)}`);
    backoff = POLL_MS;
    // Redraw only on change: spinners keep turning and screen readers hear each change once.
    const seen = JSON.stringify(order);
    if (seen !== lastSeen || reconnecting) {
      lastSeen = seen;
      reconnecting = false;
      if (render(order)) return;
    }
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
      showMissing("Check the link: it should be the one shown when you placed the order.");
      return;
    }
    // The shop is busy or the network blipped: say so, keep the last known state, try again.
    reconnecting = true;
    $("status-text").textContent = "Reconnecting…";
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
  window.setTimeout(pollWhenVisible, backoff);
}

// A tab left in the background stops asking until someone looks at it again.
function pollWhenVisible() {
  if (document.hidden) document.addEventListener("visibilitychange", poll, { once: true });
  else poll();
}

function setConsoleLink(executionId) {
  const id = encodeURIComponent(executionId).replace(/%3A/gi, ":");
  $("console-link").href = `${consoleUrl}/executions/${id}`;
}

$("order-id").textContent = orderId;
// web names an order's execution order-fulfillment:{order_id}; the view confirms it once read.
setConsoleLink(`order-fulfillment:${orderId}`);
poll();
