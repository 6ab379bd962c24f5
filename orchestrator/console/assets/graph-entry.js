// The one library the console bundles: dagre lays out state-machine graphs (compound nodes for
// Parallel branches and Map processors). The console draws the SVG itself from the layout.
import * as dagre from "@dagrejs/dagre";

export default dagre;
export const { graphlib, layout } = dagre;
