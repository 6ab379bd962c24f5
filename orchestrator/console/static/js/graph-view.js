// Draws a laid-out definition (definition-graph.js) as SVG, and colours it by what happened.
// Every status has a colour from a colour-blind-safe palette AND an icon, and not-run states a
// dashed outline, so nothing is told by colour alone.

import { h, STATUS_ICONS } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

export const LEGEND = [
  ["IN_PROGRESS", "In progress"],
  ["SUCCEEDED", "Succeeded"],
  ["RETRIED", "Succeeded after retries"],
  ["CAUGHT", "Failed, caught"],
  ["FAILED", "Failed"],
  ["ABORTED", "Stopped"],
  ["NOT_RUN", "Not run"],
];

export function legend() {
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    LEGEND.map(([status, label]) =>
      h("li", {}, h("span", { class: `swatch st-${status}`, "aria-hidden": "true" }, STATUS_ICONS[status]), label),
    ),
  );
}

function shape(node) {
  const { width: w, height: hgt } = node;
  const x = -w / 2;
  const y = -hgt / 2;
  if (node.type === "Choice") {
    const d = 12;
    return s("polygon", {
      class: "shape",
      points: `${x + d},${y} ${x + w - d},${y} ${x + w},0 ${x + w - d},${-y} ${x + d},${-y} ${x},0`,
    });
  }
  const rounded = node.type === "Succeed" || node.type === "Fail" ? hgt / 2 : node.type === "Pass" ? 2 : 7;
  return s("rect", { class: "shape", x, y, width: w, height: hgt, rx: rounded });
}

/** The state an edge end belongs to (a group's join node is its state's), none for Start/End. */
function stateOf(id) {
  if (id === "__start" || id === "__end") return null;
  return id.endsWith("#join") ? id.slice(0, -5) : id;
}

function edgePath(points) {
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i += 1) {
    const next = points[i + 1];
    const mid = { x: (points[i].x + next.x) / 2, y: (points[i].y + next.y) / 2 };
    d += ` Q${points[i].x},${points[i].y} ${mid.x},${mid.y}`;
  }
  const last = points[points.length - 1];
  return `${d} L${last.x},${last.y}`;
}

/** Renders `layout` into `container`; returns {setStatuses(states), select(name)}. */
export function renderGraph(container, layout, { onSelect } = {}) {
  const svg = s("svg", {
    class: "graph",
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: "group",
    "aria-label": "State machine graph",
  });
  svg.append(
    s(
      "defs",
      {},
      s(
        "marker",
        { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }),
      ),
    ),
  );
  const groupElements = new Map();
  for (const group of layout.groups) {
    const top = group.y - group.height / 2 - (group.kind === "group" ? 14 : 8);
    const el = s(
      "g",
      { class: `group ${group.kind === "group" ? "state-group" : "scope"}`, "data-state": group.name },
      s("rect", { x: group.x - group.width / 2, y: top, width: group.width, height: group.y + group.height / 2 - top, rx: 8 }),
      s("text", { x: group.x - group.width / 2 + 8, y: top + 12, class: "group-label" }, group.label),
    );
    svg.append(el);
    if (group.kind === "group") groupElements.set(group.name, el);
  }
  const edgeElements = [];
  for (const edge of layout.edges) {
    // A routed Catch edge (definition-graph.js, routeCatches) is straight lines drawn from its
    // target back to its source: its arrowhead is at the start.
    const path = edge.routed
      ? s("path", { d: `M${edge.points.map((p) => `${p.x},${p.y}`).join(" L")}`, "marker-start": "url(#arrow)" })
      : s("path", { d: edgePath(edge.points), "marker-end": "url(#arrow)" });
    const el = s("g", { class: `edge ${edge.kind}` }, path);
    if (edge.label) {
      const lw = edge.width;
      el.append(
        s("title", {}, edge.title),
        s("rect", { class: "edge-label-bg", x: edge.x - lw / 2, y: edge.y - 9, width: lw, height: 18, rx: 4 }),
        s("text", { class: "edge-label", x: edge.x, y: edge.y + 4, "text-anchor": "middle" }, edge.label),
      );
    }
    svg.append(el);
    edgeElements.push({ el, kind: edge.kind, from: stateOf(edge.from), to: stateOf(edge.to) });
  }
  const nodeElements = new Map();
  for (const node of layout.nodes) {
    const el = s("g", { class: `node ${node.kind}`, transform: `translate(${node.x},${node.y})` });
    if (node.kind === "start" || node.kind === "end") {
      el.append(s("rect", { class: "shape", x: -node.width / 2, y: -node.height / 2, width: node.width, height: node.height, rx: node.height / 2 }));
      el.append(s("text", { class: "terminal-label", y: 4, "text-anchor": "middle" }, node.label));
    } else if (node.kind === "join") {
      el.append(s("circle", { class: "shape", r: 6 }));
      el.setAttribute("data-state", node.name);
    } else {
      el.classList.add("plain"); // no statuses until setStatuses (a definition's own page)
      el.setAttribute("data-state", node.name);
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", `${node.name}, ${node.type} state`);
      const x = -node.width / 2;
      el.append(
        s("title", {}, `${node.name} (${node.type})`),
        shape(node),
        s("text", { class: "type-label", x: x + 14, y: -5 }, node.type.toUpperCase()),
        s("text", { class: "name-label", x: x + 14, y: 12 }, node.label),
        s("text", { class: "status-icon", x: -x - 16, y: 5, "text-anchor": "middle", "aria-hidden": "true" }, ""),
        s("text", { class: "retry-badge", x: -x - 6, y: -node.height / 2 + 11, "text-anchor": "end", "aria-hidden": "true" }, ""),
      );
      const select = () => onSelect && onSelect(node.name);
      el.addEventListener("click", select);
      el.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select();
        }
      });
      nodeElements.set(node.name, el);
    }
    svg.append(el);
  }
  const fit = h("button", { type: "button", class: "zoom", "aria-pressed": "false" }, "Fit to panel");
  fit.addEventListener("click", () => {
    const fitted = fit.getAttribute("aria-pressed") !== "true";
    fit.setAttribute("aria-pressed", String(fitted));
    fit.textContent = fitted ? "Actual size" : "Fit to panel";
    svg.classList.toggle("fitted", fitted);
    if (!fitted) scrollToStart();
  });
  container.replaceChildren(h("div", { class: "graph-tools" }, fit), svg);
  // A large graph is wider and taller than its panel: begin where the execution begins.
  const scrollToStart = () => {
    const start = layout.nodes.find((n) => n.id === "__start");
    if (start) container.scrollLeft = Math.max(0, start.x - container.clientWidth / 2);
    container.scrollTop = 0;
  };
  scrollToStart();

  return {
    setStatuses(states) {
      for (const [name, el] of nodeElements) {
        const status = states[name]?.status || "NOT_RUN";
        el.setAttribute("class", `node state st-${status}${el.classList.contains("selected") ? " selected" : ""}`);
        el.querySelector(".status-icon").textContent = status === "NOT_RUN" ? "" : STATUS_ICONS[status];
        const retried = states[name]?.retries || 0;
        const retries = retried ? `, ${retried} ${retried === 1 ? "retry" : "retries"}` : "";
        el.querySelector(".retry-badge").textContent = retried ? `↻${retried}` : "";
        el.setAttribute("aria-label", `${name}: ${status.replace("_", " ").toLowerCase()}${retries}`);
        const group = groupElements.get(name);
        if (group) group.setAttribute("class", `group state-group st-${status}`);
        for (const join of svg.querySelectorAll(`.join[data-state="${CSS.escape(name)}"]`)) {
          join.setAttribute("class", `node join st-${status}`);
        }
      }
    },
    markTakenEdges(states) {
      const ran = (name) => name && states[name] && states[name].status !== "NOT_RUN";
      for (const edge of edgeElements) {
        const source = edge.from ? states[edge.from]?.status : "SUCCEEDED";
        const left = edge.kind === "catch" ? source === "CAUGHT" : source && !["CAUGHT", "FAILED", "ABORTED"].includes(source);
        const arrived = edge.to ? ran(edge.to) : source === "SUCCEEDED" || source === "RETRIED";
        edge.el.classList.toggle("taken", Boolean(left && arrived && (edge.from ? ran(edge.from) : true)));
      }
    },
    select(name) {
      for (const [other, el] of nodeElements) el.classList.toggle("selected", other === name);
    },
    focus(name) {
      nodeElements.get(name)?.focus();
    },
  };
}
