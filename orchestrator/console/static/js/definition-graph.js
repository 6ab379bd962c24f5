// An ASL definition as a graph laid out by dagre: one node per state, Parallel and Map states as
// groups (dagre's compound nodes) holding their branches / item processor. dagre does not route
// edges to a group itself, so a group has a head node (the state, where edges arrive) and a join
// node (where its branches end and its Next / Catch edges leave).

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
  // dagre's crossing-reduction sweeps cost the most on large graphs; past this size the first
  // (depth-first) order is kept: a few more crossings, about half the time.
  dagre.layout(graph, { disableOptimalOrderHeuristic: graph.nodeCount() > LARGE });
  return collect(graph);
}

class Builder {
  constructor(graph) {
    this.graph = graph;
    this.count = 0;
  }

  edge(from, to, { label = "", kind = "next", title = "" }) {
    const width = label ? Math.min(label.length, LABEL_CHARS) * 6.4 + 10 : 0;
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
        this.edge(from, target(catcher.Next), { label: `⚠ ${cut(errors)}`, title: `Catch ${errors}`, kind: "catch" });
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
