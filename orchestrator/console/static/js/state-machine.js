// The state machine page: a version's definition drawn as a graph beside its JSON, and its versions.

import { aslOrder, formatTime, getJson, h, pageParams, prettyJson, showError } from "./api.js";
import { layoutDefinition } from "./definition-graph.js";
import { renderGraph } from "./graph-view.js";

const main = document.getElementById("main");
const { name } = pageParams();

async function load() {
  const version = new URLSearchParams(location.search).get("version");
  const path = `/state-machines/${encodeURIComponent(name)}`;
  const [machine, versions] = await Promise.all([
    getJson(version ? `${path}?version=${encodeURIComponent(version)}` : path),
    getJson(`${path}/versions`),
  ]);
  const graph = h("div", { class: "graph-wrap", id: "graph" });
  const started = performance.now();
  const layout = layoutDefinition(machine.definition);
  let view;
  main.replaceChildren(
    h("h1", {}, machine.name),
    h(
      "div",
      { class: "meta" },
      h("span", {}, "Version ", h("b", {}, machine.version)),
      h("span", {}, "Registered ", h("b", {}, formatTime(machine.createdAt))),
      h("span", {}, `${Object.keys(machine.definition.States || {}).length} top-level states`),
      h("a", { href: `/console?stateMachineName=${encodeURIComponent(machine.name)}` }, "Its executions →"),
    ),
    h(
      "nav",
      { "aria-label": "Versions" },
      h(
        "ul",
        { class: "versions" },
        versions.versions.map((v) =>
          h(
            "li",
            {},
            h(
              "a",
              {
                href: `/console/state-machines/${encodeURIComponent(name)}?version=${v.version}`,
                "aria-current": v.version === machine.version ? "page" : null,
                title: `registered ${formatTime(v.createdAt)}`,
              },
              `v${v.version}`,
            ),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "execution-grid definition-grid" },
      h("section", { class: "panel", "aria-label": "Graph" }, h("h2", {}, "Graph"), graph),
      h(
        "section",
        { class: "panel", "aria-label": "Definition" },
        h("h2", {}, "Definition (JSON)"),
        h("pre", { class: "json definition", tabindex: "0" }, prettyJson(aslOrder(machine.definition))),
      ),
    ),
  );
  view = renderGraph(graph, layout, { onSelect: (state) => view.select(state) });
  // Read by the browser test and bench/console_graph.py: layout plus drawing, in milliseconds.
  main.dataset.drawMs = String(Math.round(performance.now() - started));
  main.dataset.ready = "true";
}

load().catch((error) => showError(main, error));
