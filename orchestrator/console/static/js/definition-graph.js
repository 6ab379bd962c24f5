// An ASL definition as a graph laid out by dagre: one node per state, Parallel and Map states as
// groups (dagre's compound nodes) holding their branches / item processor. dagre does not route
// edges to a group itself, so a group has a head node (the state, where edges arrive) and a join
// node (where its branches end and its Next / Catch edges leave).
//
// In a large definition, Catch edges between top-level states are not given to dagre (see
// routeCatches): a long edge costs dagre a node for every rank it crosses, and 40 Catches to the
// last state made a 200-state definition take 1-2 s to lay out. They are drawn afterwards, each
// along a vertical trunk to the right of everything between its source and its target, one trunk
// per target.

import dagre from "../vendor/graph.js";

const NODE_HEIGHT = 44;
const CHAR_WIDTH = 8.1; // about the width of a bold 13 px system-font character
const LABEL_CHARS = 34; // rule labels are cut here; the full text is the edge's tooltip
const LARGE = 150; // nodes

export function layoutDefinition(definition) {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  graph.setGraph({ rankdir: "TB", nodesep: 26, ranksep: 34, edgesep: 10, marginx: 20, marginy: 28 });
  const builder = new Builder(graph);
  graph.setNode("__start", { kind: "start", label: "Start", width: 64, height: 28 });
  graph.setNode("__end", { kind: "end", label: "End", width: 64, height: 28 });
  const scope = builder.addStates(definition, null);
  builder.edge("__start", scope.entry, {});
  for (const exit of scope.exits) builder.edge(exit, "__end", {});
  // Past LARGE nodes the top level's Catch edges are routed after the layout; below it dagre
  // lays them out with the rest (it is fast there, and places them better). A state entered only
  // by Catch edges (a compensation) keeps one of them in the layout, which places it after it.
  const large = graph.nodeCount() > LARGE;
  const routed = builder.catches.filter((c) => {
    if (large && c.from !== c.to && graph.inEdges(c.to).length > 0) return true;
    builder.edge(c.from, c.to, c);
    return false;
  });
  // dagre's crossing-reduction sweeps cost the most on large graphs; past this size the first
  // (depth-first) order is kept: a few more crossings, about half the time. Not with groups:
  // that first order does not keep a group's states together, and its box then misses them.
  const grouped = graph.nodes().some((id) => graph.children(id).length > 0);
  dagre.layout(graph, { disableOptimalOrderHeuristic: large && !grouped });
  const layout = collect(graph);
  routeCatches(layout, routed.map((c) => ({ ...c, width: labelWidth(c.label) })));
  return layout;
}

class Builder {
  constructor(graph) {
    this.graph = graph;
    this.count = 0;
    this.catches = []; // the top level's, for routeCatches
  }

  edge(from, to, { label = "", kind = "next", title = "" }) {
    const width = labelWidth(label);
    const name = `e${this.count++}`;
    this.graph.setEdge(from, to, { label, kind, title: title || label, width, height: label ? 18 : 0, labelpos: "c" }, name);
  }

  /** Adds a scope's states (the machine, a branch, an item processor); returns the id of its
   * first state and the ids its terminal states leave from. */
  addStates(scope, parent) {
    const states = scope.States || {};
    const entries = {};
    const exits = {};
    for (const [name, state] of Object.entries(states)) {
      const ends = this.addState(name, state, parent);
      entries[name] = ends.entry;
      exits[name] = ends.exit;
    }
    const terminals = [];
    for (const [name, state] of Object.entries(states)) {
      const from = exits[name];
      const target = (next) => entries[next];
      if (state.Next && target(state.Next)) this.edge(from, target(state.Next), {});
      if (state.Type === "Choice") {
        for (const rule of state.Choices || []) {
          if (!target(rule.Next)) continue;
          const full = describeRule(rule);
          this.edge(from, target(rule.Next), { label: cut(full), title: full, kind: "choice" });
        }
        if (state.Default && target(state.Default)) {
          this.edge(from, target(state.Default), { label: "Default", kind: "default" });
        }
      }
      for (const catcher of state.Catch || []) {
        if (!target(catcher.Next)) continue;
        const errors = (catcher.ErrorEquals || []).join(", ");
        const edge = { from, to: target(catcher.Next), label: `⚠ ${cut(errors)}`, title: `Catch ${errors}`, kind: "catch" };
        // Inside a group dagre lays them out: the group's box is sized to hold them.
        if (parent) this.edge(edge.from, edge.to, edge);
        else this.catches.push(edge);
      }
      if (state.End || state.Type === "Succeed" || state.Type === "Fail") terminals.push(from);
    }
    return { entry: entries[scope.StartAt], exits: terminals };
  }

  addState(name, state, parent) {
    const type = state.Type || "?";
    const node = { kind: "state", name, type, label: name, width: nodeWidth(name, type), height: NODE_HEIGHT };
    if (type !== "Parallel" && type !== "Map") {
      this.graph.setNode(name, node);
      if (parent) this.graph.setParent(name, parent);
      return { entry: name, exit: name };
    }
    const group = `${name}#group`;
    this.graph.setNode(group, { kind: "group", name, type, label: `${type}: ${name}` });
    if (parent) this.graph.setParent(group, parent);
    this.graph.setNode(name, node);
    this.graph.setParent(name, group);
    const join = `${name}#join`;
    this.graph.setNode(join, { kind: "join", name, type, label: "", width: 18, height: 18 });
    this.graph.setParent(join, group);
    const scopes =
      type === "Parallel"
        ? (state.Branches || []).map((branch, i) => [`Branch ${i + 1}`, branch])
        : [["Each item", state.ItemProcessor || state.Iterator || {}]];
    // Added last to first: dagre's first ordering puts the last added leftmost, and branch 1
    // reads best on the left.
    [...scopes].reverse().forEach(([label, inner], j) => {
      const i = scopes.length - 1 - j;
      const cluster = `${name}#scope${i}`;
      this.graph.setNode(cluster, { kind: "scope", name, type, label });
      this.graph.setParent(cluster, group);
      const ends = this.addStates(inner, cluster);
      if (ends.entry) this.edge(name, ends.entry, {});
      for (const exit of ends.exits) this.edge(exit, join, {});
    });
    return { entry: name, exit: join };
  }
}

function labelWidth(label) {
  return label ? Math.min(label.length, LABEL_CHARS) * 6.4 + 10 : 0;
}

function nodeWidth(name, type) {
  return Math.max(120, name.length * CHAR_WIDTH + 56);
}

function cut(text) {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

const OPERATORS = [
  ["Equals", "=="],
  ["GreaterThanEquals", ">="],
  ["LessThanEquals", "<="],
  ["GreaterThan", ">"],
  ["LessThan", "<"],
  ["Matches", "matches"],
];

/** A Choice rule in a few words: `$.x == "a"`, `not …`, `… and …`, or its JSONata Condition. */
export function describeRule(rule) {
  if (rule.Condition !== undefined) return String(rule.Condition).replace(/^\{%\s*|\s*%\}$/g, "");
  if (rule.And) return rule.And.map(describeRule).join(" and ");
  if (rule.Or) return rule.Or.map(describeRule).join(" or ");
  if (rule.Not) return `not (${describeRule(rule.Not)})`;
  const skip = new Set(["Variable", "Next", "Comment", "Assign", "Output"]);
  const operator = Object.keys(rule).find((key) => !skip.has(key));
  if (!operator) return "?";
  const value = rule[operator];
  const variable = rule.Variable || "";
  if (operator.startsWith("Is")) {
    return `${variable} ${value ? "is" : "is not"} ${operator.slice(2).toLowerCase()}`;
  }
  const isPath = operator.endsWith("Path");
  const base = isPath ? operator.slice(0, -4) : operator;
  const symbol = OPERATORS.find(([suffix]) => base.endsWith(suffix))?.[1] || base;
  return `${variable} ${symbol} ${isPath ? value : JSON.stringify(value)}`;
}

function collect(graph) {
  const nodes = [];
  const groups = [];
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    if (node.kind === "group" || node.kind === "scope") groups.push({ id, ...node, depth: depth(graph, id) });
    else nodes.push({ id, ...node });
  }
  groups.sort((a, b) => a.depth - b.depth);
  const edges = graph.edges().map((e) => ({ from: e.v, to: e.w, ...graph.edge(e) }));
  const { width, height } = graph.graph();
  return { nodes, groups, edges, width, height };
}

function depth(graph, id) {
  let d = 0;
  for (let p = graph.parent(id); p; p = graph.parent(p)) d += 1;
  return d;
}

const GAP = 14; // between a trunk and what it passes, and between two trunks
const STUB_SPACING = 20; // between the Catch edges leaving one state

/** Draws top-level Catch edges on a laid-out graph. Each leaves its state's right side
 * horizontally, carrying its label, to its target's trunk: a vertical line to the right of every
 * node, group, edge label and edge bend between the highest and lowest of its ends, so it crosses
 * no state. It turns there to the target's height and enters the target's right side. The Catch
 * edges to one target share its trunk, as one line; trunks whose spans overlap stand apart. Where
 * the way out of a state is blocked (a state beside it in its rank), the edge first drops into
 * the gap below it; where the way into the target is, it enters from above. Points run from the
 * target to the source (the renderer puts the arrowhead at the start), so the edges sharing a
 * trunk begin their dashes at the same place and draw one dashed line. */
function routeCatches(layout, catches) {
  if (!catches.length) return;
  const nodes = new Map(layout.nodes.map((n) => [n.id, n]));
  const box = (n, top = 0) => ({ id: n.id, x1: n.x - n.width / 2, x2: n.x + n.width / 2, y1: n.y - n.height / 2 - top, y2: n.y + n.height / 2 });
  const solid = [...layout.nodes.map((n) => box(n)), ...layout.groups.map((g) => box(g, g.kind === "group" ? 14 : 8))];
  const obstacles = [...solid];
  for (const edge of layout.edges) {
    if (edge.label) obstacles.push({ x1: edge.x - edge.width / 2, x2: edge.x + edge.width / 2, y1: edge.y - 9, y2: edge.y + 9 });
    for (const p of edge.points) obstacles.push({ x1: p.x, x2: p.x, y1: p.y, y2: p.y });
  }
  // A group's box holds its own head and join node: those are not in their own way.
  const inside = (b, id) =>
    b.id === id || (b.id?.endsWith("#group") && (id === b.id.slice(0, -6) || id.startsWith(b.id.slice(0, -5))));
  const blocked = (y, x1, x2, id) => solid.some((b) => !inside(b, id) && b.y1 < y && y < b.y2 && b.x1 < x2 && b.x2 > x1);

  const bySource = groupBy(catches, (c) => c.from);
  for (const [from, list] of bySource) {
    const s = nodes.get(from);
    list.forEach((c, i) => {
      c.sy = s.y + (i - (list.length - 1) / 2) * STUB_SPACING;
      c.x = s.x + s.width / 2 + 10 + c.width / 2;
      c.y = c.sy;
      obstacles.push({ x1: c.x - c.width / 2, x2: c.x + c.width / 2, y1: c.y - 9, y2: c.y + 9 });
    });
  }
  const trunks = [...groupBy(catches, (c) => c.to)].map(([to, list]) => {
    const t = nodes.get(to);
    const ys = [t.y, ...list.map((c) => c.sy)];
    return { t, list, y1: Math.min(...ys), y2: Math.max(...ys) };
  });
  trunks.sort((a, b) => a.y1 - b.y1);
  const placed = [];
  for (const trunk of trunks) {
    let x = 0;
    for (const b of obstacles) if (b.y2 >= trunk.y1 - GAP && b.y1 <= trunk.y2 + GAP) x = Math.max(x, b.x2);
    for (const other of placed) if (other.y2 >= trunk.y1 - GAP && other.y1 <= trunk.y2 + GAP) x = Math.max(x, other.x);
    trunk.x = x + GAP;
    placed.push(trunk);
    const { t } = trunk;
    const right = t.x + t.width / 2;
    const into = blocked(t.y, right, trunk.x, t.id)
      ? [{ x: t.x + t.width / 4, y: t.y - t.height / 2 }, { x: t.x + t.width / 4, y: t.y - t.height / 2 - 12 }, { x: trunk.x, y: t.y - t.height / 2 - 12 }]
      : [{ x: right, y: t.y }, { x: trunk.x, y: t.y }];
    for (const c of trunk.list) {
      const s = nodes.get(c.from);
      const edge = s.x + s.width / 2;
      let out = [{ x: trunk.x, y: c.sy }, { x: edge, y: c.sy }];
      if (blocked(c.sy, edge, trunk.x, s.id)) {
        const below = s.y + s.height / 2 + 12;
        out = [{ x: trunk.x, y: below }, { x: s.x + s.width / 4, y: below }, { x: s.x + s.width / 4, y: s.y + s.height / 2 }];
        c.x = s.x + s.width / 4 + 10 + c.width / 2;
        c.y = below;
      }
      layout.edges.push({ ...c, points: [...into, ...out], routed: true });
    }
    layout.width = Math.max(layout.width, trunk.x + GAP + 6);
  }
}

function groupBy(items, key) {
  const groups = new Map();
  for (const item of items) {
    if (!groups.has(key(item))) groups.set(key(item), []);
    groups.get(key(item)).push(item);
  }
  return groups;
}
