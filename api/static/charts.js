// Hand-drawn SVG charts of the page: the evidence profile and the mechanism graph.
// The dossier draws the same two charts on the server (queries/dossier.py) for print.

const SVG = "http://www.w3.org/2000/svg";
const FOR = "#1b7f3b";
const AGAINST = "#b3261e";

export const DESIGN_ORDER = [
  "meta_analysis", "systematic_review", "rct", "non_randomised_trial", "cohort", "case_control",
  "case_report", "animal", "in_vitro", "in_silico", "review", "traditional", "database", "other",
  "unknown",
];
export const DESIGN_LABEL = {
  meta_analysis: "Meta-analysis", systematic_review: "Systematic review",
  rct: "Randomised controlled trial", non_randomised_trial: "Non-randomised trial",
  cohort: "Cohort study", case_control: "Case-control study", case_report: "Case report / series",
  animal: "Animal study", in_vitro: "In vitro / cell study", in_silico: "In silico prediction",
  review: "Narrative review", traditional: "Classical text / consensus",
  database: "Database edge", other: "Other", unknown: "Design not stated",
};

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.appendChild(el("title", {}, text));
  return node;
}

function designRank(d) {
  const i = DESIGN_ORDER.indexOf(d);
  return i < 0 ? DESIGN_ORDER.length : i;
}

/** Evidence grouped by design (strongest design first); keeps each item's index. */
export function profileGroups(evidence) {
  const groups = new Map();
  evidence.forEach((e, index) => {
    if (!groups.has(e.design)) groups.set(e.design, []);
    groups.get(e.design).push({ e, index });
  });
  return [...groups.entries()].sort((a, b) => designRank(a[0]) - designRank(b[0]));
}

/**
 * Evidence profile: one row per study, grouped by design; x is the item's weight to the right
 * when it counts for the treatment and to the left when against; marker area ∝ sample size.
 * `onSelect(index)` is called when a marker is clicked.
 */
export function drawEvidenceProfile(container, evidence, onSelect) {
  container.replaceChildren();
  if (!evidence.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "No direct evidence for this candidate and indication.";
    container.appendChild(p);
    return null;
  }
  const left = 240, plot = 320, rowH = 22;
  const groups = profileGroups(evidence);
  const rows = groups.reduce((n, [, items]) => n + 1 + items.length, 0);
  const width = left + plot + 16, height = 40 + rows * rowH + 30;
  const zero = left + plot / 2, scale = plot / 2;
  const maxN = Math.max(1, ...evidence.map((e) => e.sample_size || 0));
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "evidence-profile",
    "aria-label": `Evidence profile: ${evidence.length} evidence items by design and direction`,
  });
  svg.appendChild(el("line", { x1: zero, y1: 28, x2: zero, y2: height - 30, stroke: "#555", "stroke-dasharray": "3 3" }));
  svg.appendChild(el("text", { x: left, y: 18, "font-size": 11, fill: AGAINST }, "◀ counts against"));
  svg.appendChild(el("text", { x: left + plot, y: 18, "font-size": 11, fill: FOR, "text-anchor": "end" }, "counts for ▶"));
  let y = 40;
  for (const [design, items] of groups) {
    svg.appendChild(el("text", { x: 4, y: y + 14, "font-size": 12, "font-weight": "bold" },
      `${DESIGN_LABEL[design] || design} (${items.length})`));
    y += rowH;
    items.sort((a, b) => (b.e.counts === "for") - (a.e.counts === "for") || b.e.weight - a.e.weight);
    for (const { e, index } of items) {
      const sign = e.counts === "for" ? 1 : -1;
      const colour = sign > 0 ? FOR : AGAINST;
      const cx = zero + sign * e.weight * scale, cy = y + rowH / 2;
      const label = e.source + (e.year ? ` (${e.year})` : "");
      svg.appendChild(el("text", { x: 14, y: cy + 4, "font-size": 11 }, label.slice(0, 40)));
      svg.appendChild(el("line", { x1: zero, y1: cy, x2: cx, y2: cy, stroke: colour, "stroke-width": 1.5 }));
      // Area ∝ sample size: the radius grows with its square root; hollow when not reported.
      const r = e.sample_size ? 3 + 9 * Math.sqrt(e.sample_size / maxN) : 4;
      const marker = el("circle", {
        cx: cx.toFixed(1), cy, r: r.toFixed(1), class: "marker", "data-index": index, tabindex: 0,
        fill: e.sample_size ? colour : "white", "fill-opacity": e.sample_size ? 0.75 : 1,
        stroke: colour, "stroke-width": e.sample_size ? 1 : 2,
      });
      const n = e.sample_size ? `n=${e.sample_size}` : "n not reported";
      titled(marker, `${label}, ${e.direction}, ${n}, weight ${e.weight.toFixed(2)}`);
      marker.addEventListener("click", () => onSelect && onSelect(index));
      marker.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onSelect && onSelect(index); });
      svg.appendChild(marker);
      y += rowH;
    }
  }
  const axisY = height - 24;
  svg.appendChild(el("line", { x1: left, y1: axisY, x2: left + plot, y2: axisY, stroke: "#555" }));
  for (const t of [-1, -0.5, 0, 0.5, 1]) {
    svg.appendChild(el("text", { x: zero + t * scale, y: axisY + 14, "font-size": 10, "text-anchor": "middle" }, Math.abs(t).toFixed(1)));
  }
  container.appendChild(svg);
  return svg;
}

/**
 * Mechanism graph: columns candidate → herbs → compounds → targets → pathways → indication,
 * stroke width ∝ the belief of each claim, hub nodes ringed and tagged "(hub)".
 */
export function drawMechanism(container, picture) {
  container.replaceChildren();
  if (!picture.nodes.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "No mechanism path from this candidate to the indication in the graph.";
    container.appendChild(p);
    return null;
  }
  const layers = [...new Set(picture.nodes.map((n) => n.layer))].sort((a, b) => a - b);
  const byLayer = new Map(layers.map((l) => [l, []]));
  for (const n of picture.nodes) byLayer.get(n.layer).push(n);
  const tallest = Math.max(...[...byLayer.values()].map((v) => v.length));
  const colW = 170, rowH = 56, margin = 90;
  const width = 2 * margin + colW * Math.max(1, layers.length - 1), height = 40 + rowH * tallest;
  const pos = new Map();
  layers.forEach((layer, col) => {
    const members = byLayer.get(layer).sort((a, b) => a.label.localeCompare(b.label));
    const gap = height / (members.length + 1);
    members.forEach((n, k) => pos.set(n.id, [margin + col * colW, gap * (k + 1)]));
  });
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "mechanism-graph",
    "aria-label": `Mechanism graph: ${picture.nodes.length} nodes, ${picture.edges.length} edges`,
  });
  for (const e of picture.edges) {
    if (!pos.has(e.source) || !pos.has(e.target)) continue;
    const [x1, y1] = pos.get(e.source), [x2, y2] = pos.get(e.target), mid = (x1 + x2) / 2;
    const path = el("path", {
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, fill: "none",
      stroke: "#3a6ea5", "stroke-opacity": 0.7, "stroke-width": (1 + 7 * e.belief).toFixed(1),
      class: "edge",
    });
    svg.appendChild(titled(path, `${e.source} ${e.predicate} ${e.target}: belief ${e.belief.toFixed(2)}`));
  }
  for (const n of picture.nodes) {
    const [x, y] = pos.get(n.id);
    const fill = n.layer === 0 ? "#f2c14e" : n.layer < 5 ? "#8fb8de" : "#e07a5f";
    if (n.is_hub) {
      svg.appendChild(el("circle", { cx: x, cy: y, r: 13, fill: "none", stroke: AGAINST, "stroke-width": 2, "stroke-dasharray": "3 2", class: "hub" }));
    }
    const dot = el("circle", { cx: x, cy: y, r: 8, fill, stroke: "#333", class: "node" });
    let tip = `${n.label} (${n.kind || "entity"}, ${n.id})`;
    if (n.is_hub) tip += `: hub, passes on ×${n.hub.toFixed(2)}`;
    svg.appendChild(titled(dot, tip));
    const text = n.label.length <= 24 ? n.label : n.label.slice(0, 23) + "…";
    svg.appendChild(el("text", { x, y: y - 14, "font-size": 11, "text-anchor": "middle" }, text + (n.is_hub ? " (hub)" : "")));
  }
  container.appendChild(svg);
  return svg;
}
