// The page: indication search → ranked table → evidence (charts, cards) → dossier; SPARQL box.
// Plain ES module, no framework and nothing fetched from outside this server.
import { onMarker, showCards, showChart } from "/static/charts.js";

const $ = (id) => document.getElementById(id);
const CERTAINTY_RANK = { "Very low": 1, Low: 2, Moderate: 3, High: 4 };
// The width at which style.css lays the ranked rows out as cards and hides the column headers.
const NARROW = window.matchMedia("(max-width: 700px)");
const SAFETY_SHOWN = 3; // flags listed in a row; the rest are counted, never dropped silently

const state = {
  indication: null, // the indication as sent to the API (CURIE when picked from suggestions)
  picked: null, // {id, label} of the picked suggestion
  rows: [],
  names: {},
  sort: { key: "rank", dir: 1 },
  selected: null,
  designs: {}, // study design -> the reader's name of it (GET /study-designs)
};
const designsLoaded = loadDesigns();

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function getJSON(url, options = {}) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : response.statusText;
    const error = new Error(detail);
    error.body = body; // a 404 for a name lists suggestions and candidates beside detail
    throw error;
  }
  return body;
}

function setStatus(id, text, error = false) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle("error", error);
}

const fmt = (x) => (x === 0 ? "0" : x < 0.001 ? x.toExponential(1) : x.toFixed(3));

// -- suggestions ---------------------------------------------------------------------------

let suggestTimer = null;
let suggestSeq = 0;

async function suggest(text) {
  const seq = ++suggestSeq;
  const list = $("suggestions");
  if (text.trim().length < 1) { hideSuggestions(); return; }
  const kinds = ["Disease", "Outcome"];
  const results = await Promise.all(kinds.map((k) =>
    getJSON(`/search?${new URLSearchParams({ q: text, kind: k, limit: 8 })}`).catch(() => ({ hits: [] }))));
  if (seq !== suggestSeq) return; // a newer keystroke has asked again
  let hits = results.flatMap((r) => r.hits).slice(0, 12);
  if (!hits.length) {
    // Nothing carries the name: the resolver's near names, best first, marked as such.
    hits = results.flatMap((r) => (r.suggestions || []).map((s) => ({ id: s.id, label: s.name, matched_name: s.name, near: s.score })))
      .sort((a, b) => b.near - a.near).slice(0, 5);
  }
  list.replaceChildren(...hits.map((hit, i) => h("li", {
    role: "option", id: `suggestion-${i}`, "data-id": hit.id, "data-label": hit.label || hit.matched_name,
    class: hit.near ? "near" : null,
    onmousedown: (ev) => { ev.preventDefault(); pick(hit); },
  }, hit.label || hit.matched_name,
  h("span", { class: "sub" }, hit.near ? `did you mean? (${Math.round(hit.near)}) · ${hit.id}`
    : [hit.matched_name !== hit.label ? `${hit.matched_name} · ` : "", `${hit.kind || ""} ${hit.id}`].join("")))));
  list.hidden = hits.length === 0;
  $("indication").setAttribute("aria-expanded", String(!list.hidden));
}

function hideSuggestions() {
  // A lookup still on its way must not reopen the list over the results (Rank tapped early).
  clearTimeout(suggestTimer);
  suggestSeq++;
  $("suggestions").hidden = true;
  $("indication").setAttribute("aria-expanded", "false");
}

function pick(hit) {
  state.picked = { id: hit.id, label: hit.label || hit.matched_name };
  $("indication").value = state.picked.label;
  hideSuggestions();
}

function moveSuggestion(step) {
  const items = [...$("suggestions").children];
  if (!items.length) return;
  let i = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
  items.forEach((li) => li.removeAttribute("aria-selected"));
  i = (i + step + items.length) % items.length;
  items[i].setAttribute("aria-selected", "true");
  $("indication").setAttribute("aria-activedescendant", items[i].id);
}

// -- ranking -------------------------------------------------------------------------------

// Each suggestion of a 404 ("did you mean …") as a button that ranks with that name.
function showDidYouMean(suggestions) {
  const box = $("did-you-mean");
  box.replaceChildren(...(suggestions.length ? [
    h("span", {}, "Did you mean: "),
    ...suggestions.map((s) => h("button", {
      type: "button", class: "choice", "data-id": s.id, title: `${s.id} (score ${Math.round(s.score)})`,
      onclick: () => {
        state.picked = { id: s.id, label: s.name };
        $("indication").value = s.name;
        rank(s.id, $("kind").value);
      },
    }, s.name)),
  ] : []));
  box.hidden = !suggestions.length;
}

// What the name covered: the matched terms, their synonyms and narrower terms (tcmkg rank's "covers:").
function showCovers(covers) {
  $("covers").textContent = covers && covers.length ? `covers: ${covers.map((t) => t.label).join("; ")}` : "";
}

async function rank(indication, kind) {
  state.indication = indication;
  setStatus("status", "Ranking…");
  showDidYouMean([]);
  $("search-button").disabled = true;
  try {
    const data = await getJSON(`/candidates?${new URLSearchParams({ indication, kind })}`);
    state.rows = data.rows.map((row, i) => ({ ...row, rank: i + 1 }));
    showCovers(data.covers);
    const ids = state.rows.map((r) => r.candidate.id);
    state.names = ids.length
      ? await getJSON(`/names?${new URLSearchParams(ids.map((id) => ["id", id]))}`).catch(() => ({}))
      : {};
    await designsLoaded;
    fillDesignFilter();
    renderTable();
    $("results").hidden = false;
    setStatus("status", state.rows.length
      ? `${state.rows.length} candidate(s) for “${$("indication").value}”. Click a row for its evidence.`
      : `No candidate has evidence for “${$("indication").value}” in this graph.`);
    history.replaceState(null, "", `#${new URLSearchParams({ indication, kind })}`);
  } catch (err) {
    $("results").hidden = true;
    const near = (err.body && err.body.suggestions) || [];
    // The suggestions are offered as buttons below, not repeated in the sentence.
    setStatus("status", `Could not rank: ${near.length ? err.message.replace(/; did you mean: .*$/, "") : err.message}`, true);
    showDidYouMean(near);
  } finally {
    $("search-button").disabled = false;
  }
}

function fillDesignFilter() {
  const designs = new Set(state.rows.flatMap((r) => Object.keys(r.by_design)));
  const select = $("filter-design");
  select.replaceChildren(h("option", { value: "" }, "any"),
    ...[...designs].sort().map((d) => h("option", { value: d }, designLabel(d))));
}

function sortValue(row, key) {
  switch (key) {
    case "label": return row.candidate.label.toLowerCase();
    case "certainty": return CERTAINTY_RANK[row.certainty] || 0;
    case "supporting": return row.supporting - row.contradicting / 1000;
    case "safety": return row.safety_belief;
    default: return row[key];
  }
}

function visibleRows() {
  const minCert = CERTAINTY_RANK[$("filter-certainty").value] || 0;
  const design = $("filter-design").value;
  const { key, dir } = state.sort;
  return state.rows
    .filter((r) => (CERTAINTY_RANK[r.certainty] || 0) >= minCert)
    .filter((r) => !design || (r.by_design[design] || 0) > 0)
    .sort((a, b) => {
      const x = sortValue(a, key), y = sortValue(b, key);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.rank - b.rank;
    });
}

function nameCell(row) {
  const n = state.names[row.candidate.id] || {};
  const first = (list) => (list && list.length ? list[0] : null);
  const zh = first(n.zh), pinyin = first(n.pinyin), latin = first(n.latin), english = first(n.english);
  return h("td", { class: "names", role: "cell" },
    zh && h("span", { class: "zh", lang: "zh" }, zh),
    pinyin && h("span", { class: "pinyin", lang: "zh-Latn-pinyin" }, pinyin),
    h("br"),
    latin && h("span", { class: "latin", lang: "la" }, latin),
    english && english !== latin && h("span", { class: "english" }, english),
    !zh && !latin && !english && h("span", {}, row.candidate.label),
    h("div", { class: "kind" }, `${row.candidate.kind} · ${row.candidate.id}`));
}

// A value cell; `label` is its column's name, shown beside the value when the row is a card.
function cell(cls, label, ...children) {
  return h("td", { class: cls, role: "cell", "data-label": label }, ...children);
}

function safetyFlags(row) {
  if (!row.safety.length) return ["none found"];
  const more = row.safety.length - SAFETY_SHOWN;
  return [
    ...row.safety.slice(0, SAFETY_SHOWN).map((f) => h("span", { class: "flag" }, `${f.kind}: ${f.object.label}${f.via ? " (via herb)" : ""}`)),
    more > 0 && h("span", { class: "flag more" }, `and ${more} more (open the row for all)`),
  ];
}

function renderTable() {
  const rows = visibleRows();
  const body = $("ranking").querySelector("tbody");
  body.replaceChildren(...rows.map((row) => {
    const tr = h("tr", {
      tabindex: 0, role: "row", "data-id": row.candidate.id,
      class: state.selected === row.candidate.id ? "selected" : null,
      onclick: () => openCandidate(row),
      onkeydown: (ev) => { if (ev.key === "Enter") openCandidate(row); },
    },
    h("td", { class: "num rank", role: "cell" }, row.rank),
    nameCell(row),
    cell("num score", "Score", fmt(row.score)),
    cell("num clinical", "Clinical", fmt(row.clinical)),
    cell("num mechanistic", "Mechanistic", fmt(row.mechanistic)),
    cell("certainty", "Certainty", h("span", { class: `cert cert-${row.certainty.replace(" ", "-")}` }, row.certainty)),
    cell("num support", "For / against", `${row.supporting} / ${row.contradicting}`),
    cell("safety", "Safety", ...safetyFlags(row)));
    return tr;
  }));
  $("row-count").textContent = `${rows.length} of ${state.rows.length} shown`;
  for (const th of $("ranking").querySelectorAll("th")) {
    th.setAttribute("aria-sort", th.dataset.sort === state.sort.key ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
  showSort();
}

// -- sorting -------------------------------------------------------------------------------

// What ascending and descending mean for each sort key, in the words of the order select.
function orderNames(key) {
  switch (key) {
    case "rank": return { 1: "best first", [-1]: "worst first" };
    case "label": return { 1: "A to Z", [-1]: "Z to A" };
    case "supporting": return { 1: "fewest for first", [-1]: "most for first" };
    case "safety": return { 1: "least concern first", [-1]: "most concern first" };
    default: return { 1: "lowest first", [-1]: "highest first" };
  }
}

function sortBy(key, dir) {
  // A new key starts with its useful end first: highest numbers, first rank, A to Z.
  const numeric = !["label", "rank"].includes(key);
  state.sort = { key, dir: dir ?? (numeric ? -1 : 1) };
  renderTable();
}

// Keep the phone's sort selects in step with the header buttons, and the reverse.
function showSort() {
  const names = orderNames(state.sort.key);
  $("sort-key").value = state.sort.key;
  for (const option of $("sort-dir").options) option.textContent = names[option.value];
  $("sort-dir").value = String(state.sort.dir);
}

// Hidden column headers keep their names for screen readers, but their buttons leave the tab
// order: a keyboard user would otherwise land on a control they cannot see.
function followWidth() {
  for (const button of $("ranking").querySelectorAll("th button")) {
    if (NARROW.matches) button.setAttribute("tabindex", "-1");
    else button.removeAttribute("tabindex");
  }
}

// -- one candidate -------------------------------------------------------------------------

const designLabel = (d) => state.designs[d] || d;

async function loadDesigns() {
  try {
    const designs = await getJSON("/study-designs");
    state.designs = Object.fromEntries(designs.map((d) => [d.id, d.label]));
  } catch {
    state.designs = {}; // the raw design values are shown instead
  }
}

async function showSource(source) {
  const panel = $("source-panel");
  panel.hidden = false;
  panel.replaceChildren(h("p", {}, `Reading ${source}…`));
  try {
    const s = await getJSON(`/sources/${source.split("/").map(encodeURIComponent).join("/")}`);
    // replaceChildren would write a null child as the text "null": leave the absent ones out.
    panel.replaceChildren(...[
      h("h4", {}, "Source record"),
      h("p", { class: "source-title" }, s.title || "(no title)"),
      h("p", { class: "note" }, [s.id, s.year, s.journal].filter(Boolean).join(" · ")),
      s.illustrative ? h("p", { class: "flag" }, "Illustrative example written by the project: not a real study.") : null,
      s.url ? h("a", { href: s.url, target: "_blank", rel: "noopener", class: "source-url" }, `Open ${s.id} at ${new URL(s.url).hostname}`) : null,
    ].filter(Boolean));
  } catch (err) {
    panel.replaceChildren(h("p", { class: "flag" }, `Could not read ${source}: ${err.message}`));
  }
  panel.scrollIntoView({ block: "nearest" });
}

function selectEvidence(index) {
  document.querySelectorAll(".card.selected, svg .marker.selected").forEach((n) => n.classList.remove("selected"));
  const card = $(`card-${index}`);
  if (card) { card.classList.add("selected"); card.scrollIntoView({ block: "nearest" }); }
  const marker = document.querySelector(`svg .marker[data-index="${index}"]`);
  if (marker) marker.classList.add("selected");
}

function renderSafety(flags) {
  $("safety").replaceChildren(flags.length
    ? h("ul", {}, ...flags.map((f) => h("li", { class: "flag" },
      `${f.kind}: ${f.object.label} — belief ${f.belief.toFixed(3)}, ${f.studies} stud${f.studies === 1 ? "y" : "ies"}${f.via ? `, via ${f.via}` : ""}`)))
    : h("p", {}, "No toxicity, contraindication or interaction claim in the graph (absence of evidence is not evidence of safety)."));
}

async function openCandidate(row) {
  state.selected = row.candidate.id;
  renderTable();
  const id = row.candidate.id;
  const q = new URLSearchParams({ indication: state.indication });
  const path = id.split("/").map(encodeURIComponent).join("/");
  $("detail").hidden = false;
  $("detail-title").textContent = `${row.candidate.label} — loading evidence…`;
  try {
    const [ex, figures] = await Promise.all([
      getJSON(`/candidates/${path}/evidence?${q}`),
      getJSON(`/candidates/${path}/figures?${q}`),
    ]);
    const n = state.names[id] || {};
    const indicationName = ex.indication.matched.map((t) => t.label).join(", ") || ex.indication.query;
    $("detail-title").textContent = `${(n.zh && n.zh[0]) ? n.zh[0] + " " : ""}${row.candidate.label} for ${indicationName}`;
    $("detail-summary").textContent = `Score ${fmt(ex.score.score)} (clinical ${fmt(ex.score.clinical)}, mechanistic ${fmt(ex.score.mechanistic)}), certainty ${ex.score.certainty}; ${ex.score.supporting} stud${ex.score.supporting === 1 ? "y" : "ies"} for, ${ex.score.contradicting} against; ${ex.paths.length} mechanism path(s).`;
    const dq = new URLSearchParams({ candidate: id, indication: state.indication });
    $("dossier-link").href = `/dossier?${dq}`;
    $("dossier-download").href = `/dossier?${dq}&download=true`;
    onMarker(showChart($("profile-chart"), figures.profile,
      "No direct evidence for this candidate and indication."), selectEvidence);
    showChart($("mechanism-chart"), figures.mechanism,
      "No mechanism path from this candidate to the indication in the graph.");
    showCards($("cards"), figures.cards, selectEvidence, showSource);
    renderSafety(ex.score.safety);
    $("source-panel").hidden = true;
    const kind = $("kind").value;
    history.replaceState(null, "", `#${new URLSearchParams({ indication: state.indication, kind, candidate: id })}`);
    $("detail").scrollIntoView({ block: "start" });
  } catch (err) {
    $("detail-title").textContent = `${row.candidate.label}: could not load the evidence (${err.message})`;
  }
}

// -- SPARQL box ----------------------------------------------------------------------------

async function loadExamples() {
  try {
    const examples = await getJSON("/queries");
    const select = $("sparql-example");
    for (const ex of examples) select.append(h("option", { value: ex.name }, ex.title));
    select.addEventListener("change", () => {
      const ex = examples.find((x) => x.name === select.value);
      if (!ex) return;
      $("sparql-query").value = ex.text;
      $("sparql-description").textContent = ex.description;
    });
  } catch (err) {
    setStatus("sparql-status", `Could not load the examples: ${err.message}`, true);
  }
}

function termText(t) {
  if (!t) return "";
  if (t.type === "uri") return t.value;
  return t["xml:lang"] ? `${t.value} @${t["xml:lang"]}` : t.value;
}

async function runSparql(ev) {
  ev.preventDefault();
  setStatus("sparql-status", "Running…");
  const table = $("sparql-results");
  table.replaceChildren();
  const started = performance.now();
  try {
    const data = await getJSON("/sparql", {
      method: "POST",
      headers: { Accept: "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: $("sparql-query").value }),
    });
    const ms = Math.round(performance.now() - started);
    if ("boolean" in data) {
      setStatus("sparql-status", `ASK: ${data.boolean} (${ms} ms)`);
      return;
    }
    const vars = data.head.vars;
    const rows = data.results.bindings;
    const shown = rows.slice(0, 500);
    table.append(h("thead", {}, h("tr", {}, ...vars.map((v) => h("th", { scope: "col" }, `?${v}`)))),
      h("tbody", {}, ...shown.map((b) => h("tr", {}, ...vars.map((v) => h("td", {}, termText(b[v])))))));
    setStatus("sparql-status", `${rows.length} row(s) in ${ms} ms${rows.length > shown.length ? `, first ${shown.length} shown` : ""}.`);
  } catch (err) {
    setStatus("sparql-status", `Query failed: ${err.message}`, true);
  }
}

// -- wiring --------------------------------------------------------------------------------

function init() {
  const input = $("indication");
  input.addEventListener("input", () => {
    state.picked = null;
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(() => suggest(input.value), 150);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { ev.preventDefault(); moveSuggestion(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); moveSuggestion(-1); }
    else if (ev.key === "Escape") hideSuggestions();
    else if (ev.key === "Enter") {
      const active = $("suggestions").querySelector('[aria-selected="true"]');
      if (active && !$("suggestions").hidden) {
        ev.preventDefault();
        pick({ id: active.dataset.id, label: active.dataset.label });
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(hideSuggestions, 100));
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    hideSuggestions();
    const text = input.value.trim();
    const indication = state.picked && state.picked.label === text ? state.picked.id : text;
    if (indication) rank(indication, $("kind").value);
  });
  for (const th of $("ranking").querySelectorAll("th")) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.sort;
      sortBy(key, state.sort.key === key ? -state.sort.dir : undefined);
    });
  }
  $("sort-key").addEventListener("change", () => sortBy($("sort-key").value));
  $("sort-dir").addEventListener("change", () => sortBy(state.sort.key, Number($("sort-dir").value)));
  NARROW.addEventListener("change", followWidth);
  followWidth();
  showSort();
  $("filter-certainty").addEventListener("change", renderTable);
  $("filter-design").addEventListener("change", renderTable);
  $("sparql-form").addEventListener("submit", runSparql);
  loadExamples();
  // A shared link (#indication=…&kind=…&candidate=…) opens the same view.
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("indication")) {
    input.value = params.get("indication");
    if (params.get("kind")) $("kind").value = params.get("kind");
    rank(params.get("indication"), $("kind").value).then(() => {
      const row = state.rows.find((r) => r.candidate.id === params.get("candidate"));
      if (row) openCandidate(row);
    });
  }
}

init();
