// The page: indication (and optional syndrome) search → ranked table → evidence (charts, cards)
// → dossier; browse by TCM theory; SPARQL box.
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
  syndrome: "", // the syndrome as sent to the API ("" for none; its id when picked)
  syndromePicked: null, // {id, text} of the picked syndrome suggestion
  syndromeInfo: null, // the syndrome the last ranking resolved (GET /candidates' "syndrome")
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

// A TCM concept in its three scripts, each once: "气阴两虚证 · qi yin liang xu · qi and yin deficiency".
const conceptText = (c) => [c.zh, c.pinyin, c.label].filter((x, i, all) => x && all.indexOf(x) === i).join(" · ");
// Characters then English, for lists: "补气 tonify qi".
const conceptShort = (c) => [c.zh, c.label].filter((x, i, all) => x && all.indexOf(x) === i).join(" ");
const principleText = (p) => (p ? [p.zh, p.en].filter(Boolean).join(" ") : "");
// A weight factor as a reader writes it: ×1, ×0.75, ×0.5.
const factorText = (f) => `×${Number(f.toFixed(2))}`;

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

function moveSuggestion(step, listId = "suggestions", inputId = "indication") {
  const items = [...$(listId).children];
  if (!items.length) return;
  let i = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
  items.forEach((li) => li.removeAttribute("aria-selected"));
  i = (i + step + items.length) % items.length;
  items[i].setAttribute("aria-selected", "true");
  $(inputId).setAttribute("aria-activedescendant", items[i].id);
}

// -- syndrome suggestions --------------------------------------------------------------------

let syndromeTimer = null;
let syndromeSeq = 0;

// Syndromes whose name in characters, pinyin or English matches what was typed (GET /syndromes).
async function suggestSyndromes(text) {
  const seq = ++syndromeSeq;
  if (text.trim().length < 1) { hideSyndromeSuggestions(); return; }
  const found = await getJSON(`/syndromes?${new URLSearchParams({ q: text, limit: 10 })}`)
    .then((r) => r.syndromes).catch(() => []);
  if (seq !== syndromeSeq) return; // a newer keystroke has asked again
  const list = $("syndrome-suggestions");
  list.replaceChildren(...found.map((s, i) => h("li", {
    role: "option", id: `syndrome-suggestion-${i}`, "data-id": s.id, "data-label": s.zh || s.label,
    onmousedown: (ev) => { ev.preventDefault(); pickSyndrome({ id: s.id, text: s.zh || s.label }); },
  }, conceptText(s),
  principleText(s.principle) && h("span", { class: "sub" }, `治法 ${principleText(s.principle)}`))));
  list.hidden = found.length === 0;
  $("syndrome").setAttribute("aria-expanded", String(!list.hidden));
}

function hideSyndromeSuggestions() {
  clearTimeout(syndromeTimer);
  syndromeSeq++;
  $("syndrome-suggestions").hidden = true;
  $("syndrome").setAttribute("aria-expanded", "false");
}

function pickSyndrome(picked) {
  state.syndromePicked = picked;
  $("syndrome").value = picked.text;
  hideSyndromeSuggestions();
}

// The syndrome field as the API should get it: the picked suggestion's id, else the text.
function syndromeQuery() {
  const text = $("syndrome").value.trim();
  return state.syndromePicked && state.syndromePicked.text === text ? state.syndromePicked.id : text;
}

// -- ranking -------------------------------------------------------------------------------

// Each suggestion of a 404 ("did you mean …") as a button that ranks with that name.
// `forSyndrome`: the names are syndromes', and a choice replaces the syndrome, not the indication.
function showDidYouMean(suggestions, forSyndrome = false) {
  const box = $("did-you-mean");
  box.replaceChildren(...(suggestions.length ? [
    h("span", {}, forSyndrome ? "Did you mean the syndrome: " : "Did you mean: "),
    ...suggestions.map((s) => h("button", {
      type: "button", class: "choice", "data-id": s.id, title: `${s.id} (score ${Math.round(s.score)})`,
      onclick: () => {
        if (forSyndrome) {
          pickSyndrome({ id: s.id, text: s.name });
          rank(state.indication, $("kind").value, s.id);
          return;
        }
        state.picked = { id: s.id, label: s.name };
        $("indication").value = s.name;
        rank(s.id, $("kind").value, state.syndrome);
      },
    }, s.name)),
  ] : []));
  box.hidden = !suggestions.length;
}

// What the name covered: the matched terms, their synonyms and narrower terms (tcmkg rank's "covers:").
function showCovers(covers) {
  $("covers").textContent = covers && covers.length ? `covers: ${covers.map((t) => t.label).join("; ")}` : "";
}

// The query of a ranking, its evidence and the page's address: the syndrome only when given.
function rankingParams(extra = {}) {
  const params = { indication: state.indication, ...extra };
  if (state.syndrome) params.syndrome = state.syndrome;
  return new URLSearchParams(params);
}

// The Traditional column's header, present only while a syndrome is asked (the table keeps its
// eight columns otherwise, for screen readers as for the eye).
function showTraditionalHeader(shown) {
  const existing = $("ranking").querySelector("th[data-sort='traditional']");
  if (!shown) { if (existing) existing.remove(); return; }
  if (existing) return;
  const key = "traditional";
  const th = h("th", {
    role: "columnheader", scope: "col", "data-sort": key, class: "num traditional",
    title: "Traditional axis: is the candidate classically indicated for the syndrome, and do its actions match the syndrome's treatment principle (治法)? Shown beside clinical and mechanistic; never part of the score.",
  }, h("button", {
    type: "button", onclick: () => sortBy(key, state.sort.key === key ? -state.sort.dir : undefined),
  }, "Traditional"));
  $("ranking").querySelector("th[data-sort='mechanistic']").after(th);
  followWidth();
}

// The syndrome above the table: its names and treatment principle, and what it changes.
function showSyndrome(syndrome) {
  state.syndromeInfo = syndrome || null;
  const note = $("syndrome-note");
  $("ranking").classList.toggle("no-syndrome", !syndrome);
  showTraditionalHeader(Boolean(syndrome));
  $("sort-key").querySelector('option[value="traditional"]').hidden = !syndrome;
  if (!syndrome && state.sort.key === "traditional") state.sort = { key: "rank", dir: 1 };
  note.hidden = !syndrome;
  if (!syndrome) { note.replaceChildren(); return; }
  note.replaceChildren(
    h("span", {}, "Within syndrome "),
    h("b", { lang: "zh" }, syndrome.zh || syndrome.label), " ",
    h("span", {}, [syndrome.pinyin, syndrome.zh ? syndrome.label : null].filter(Boolean).join(" · ")),
    h("br"),
    h("span", { class: "principle" }, "Treatment principle 治法: ",
      h("b", { lang: "zh" }, syndrome.principle.zh || ""), " ", syndrome.principle.en || (syndrome.principle.zh ? "" : "not recorded")),
    h("br"),
    h("span", { class: "note" }, "Each study's evidence is weighed by the syndrome its population enrolled (open a row to see it). "
      + "The Traditional column — classical indication for the syndrome and actions matching its principle — is shown beside the score, never in it."));
}

async function rank(indication, kind, syndrome = "") {
  state.indication = indication;
  state.syndrome = syndrome;
  setStatus("status", "Ranking…");
  showDidYouMean([]);
  $("search-button").disabled = true;
  try {
    const data = await getJSON(`/candidates?${rankingParams({ kind })}`);
    state.rows = data.rows.map((row, i) => ({ ...row, rank: i + 1 }));
    showCovers(data.covers);
    const ids = state.rows.map((r) => r.candidate.id);
    state.names = ids.length
      ? await getJSON(`/names?${new URLSearchParams(ids.map((id) => ["id", id]))}`).catch(() => ({}))
      : {};
    await designsLoaded;
    fillDesignFilter();
    // The syndrome's header and note change together with the rows, never ahead of them.
    showSyndrome(data.syndrome);
    // A shared link carries the syndrome's id: show its name in the field, keep sending the id.
    if (data.syndrome && syndrome === data.syndrome.id && $("syndrome").value.trim() === syndrome) {
      pickSyndrome({ id: data.syndrome.id, text: data.syndrome.zh || data.syndrome.label });
    }
    renderTable();
    $("results").hidden = false;
    const within = data.syndrome ? ` within ${data.syndrome.zh || data.syndrome.label}` : "";
    setStatus("status", state.rows.length
      ? `${state.rows.length} candidate(s) for “${$("indication").value}”${within}. Click a row for its evidence.`
      : `No candidate has evidence for “${$("indication").value}”${within} in this graph.`);
    history.replaceState(null, "", `#${rankingParams({ kind })}`);
  } catch (err) {
    $("results").hidden = true;
    const near = (err.body && err.body.suggestions) || [];
    // The suggestions are offered as buttons below, not repeated in the sentence.
    setStatus("status", `Could not rank: ${near.length ? err.message.replace(/; did you mean: .*$/, "") : err.message}`, true);
    showDidYouMean(near, Boolean(syndrome) && /^no syndrome|syndrome/.test(err.message));
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
    case "traditional": return row.traditional ?? -1;
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

// A Pharmacopoeia toxicity grade: a traditional grading from a table, not a claim of the
// literature, so it is marked apart from the evidence-based flags and never scored.
function toxicityText(t) {
  return `${conceptShort(t.grade)}${t.via ? ` — via ${t.herb.label}` : ""}`;
}

function toxicityFlag(t) {
  return h("span", {
    class: "flag pharmacopoeia",
    title: `Pharmacopoeia toxicity grade of ${t.herb.label} (${t.grade.pinyin || t.grade.label}), from ${t.source}: shown, not part of the score`,
  }, h("span", { class: "flag-source" }, "Pharmacopoeia"), " ", toxicityText(t));
}

function safetyFlags(row) {
  const grades = row.toxicity_grades || [];
  if (!row.safety.length && !grades.length) return ["none found"];
  const more = row.safety.length - SAFETY_SHOWN;
  return [
    ...grades.map(toxicityFlag),
    ...row.safety.slice(0, SAFETY_SHOWN).map((f) => h("span", { class: "flag evidence", title: "claim found in the literature" },
      `${f.kind}: ${f.object.label}${f.via ? " (via herb)" : ""}`)),
    more > 0 && h("span", { class: "flag more" }, `and ${more} more (open the row for all)`),
  ];
}

// The traditional axis: its value, and why (classical indication, actions matching the principle).
function traditionalCell(row) {
  const d = row.traditional_detail;
  if (row.traditional === null || row.traditional === undefined || !d) return cell("num traditional", "Traditional", "—");
  const why = [
    d.indicated_for.length ? `indicated: ${d.indicated_for.map(conceptShort).join(", ")}` : null,
    d.matched_actions.length ? `actions: ${d.matched_actions.map(conceptShort).join(", ")}` : null,
  ].filter(Boolean);
  const principle = d.principle_actions.map(conceptShort).join(", ");
  return h("td", {
    class: "num traditional", role: "cell", "data-label": "Traditional",
    title: `Traditional axis, not in the score: classically indicated for the syndrome${principle ? `; actions its principle calls for: ${principle}` : ""}`,
  }, fmt(row.traditional), ...why.map((w) => h("span", { class: "why" }, w)));
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
    // Without a syndrome the column is not drawn at all (its header is hidden by style.css).
    state.syndromeInfo && traditionalCell(row),
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

function renderSafety(flags, grades = []) {
  $("safety").replaceChildren(...[
    grades.length ? h("ul", { class: "pharmacopoeia-grades" }, ...grades.map((t) => h("li", {}, toxicityFlag(t),
      h("span", { class: "note" }, ` source ${t.source}; a traditional grading, shown and not scored`)))) : null,
    flags.length
      ? h("ul", {}, ...flags.map((f) => h("li", { class: "flag evidence" },
        `${f.kind}: ${f.object.label} — belief ${f.belief.toFixed(3)}, ${f.studies} stud${f.studies === 1 ? "y" : "ies"}${f.via ? `, via ${f.via}` : ""}`)))
      : h("p", {}, "No toxicity, contraindication or interaction claim in the literature of the graph (absence of evidence is not evidence of safety)."),
  ].filter(Boolean));
}

const MATCH_TEXT = {
  queried: "queried syndrome",
  related: "related syndrome",
  other: "another syndrome",
  not_said: "syndrome not stated",
  no_query: "no syndrome queried",
};

// "Population: 气阴两虚证 qi and yin deficiency — queried syndrome, ×1", or "… syndrome not stated".
function populationText(p) {
  const weight = p.match === "no_query" ? "" : `, ${factorText(p.factor)}`;
  if (!p.syndromes.length) return `Population: syndrome not stated${weight}`;
  const names = p.syndromes.map(conceptShort).join("; ");
  return `Population: ${names}${p.match === "no_query" ? "" : ` — ${MATCH_TEXT[p.match] || p.match}${weight}`}`;
}

// Each evidence card gets the population its study enrolled. The cards (from /figures) and the
// items (from /evidence, which knows the syndrome) are matched by source and sentence, as a
// syndrome may reorder the items; the card's position is the fallback.
function showPopulations(container, evidence) {
  const bySentence = new Map();
  for (const item of evidence) {
    const key = `${item.source}\u0000${(item.sentence || "").trim()}`;
    if (!bySentence.has(key)) bySentence.set(key, []);
    bySentence.get(key).push(item);
  }
  for (const card of container.querySelectorAll(".evidence-card")) {
    const source = card.querySelector("[data-source]");
    const quote = card.querySelector("blockquote");
    const key = `${source ? source.dataset.source : ""}\u0000${quote ? quote.textContent.trim() : ""}`;
    const queue = bySentence.get(key);
    const item = queue && queue.length ? queue.shift() : evidence[Number(card.dataset.index)];
    if (!item || !item.population) continue;
    const line = h("div", {
      class: `population population-${item.population.match}`,
      title: "The TCM syndrome of the study's population; within a queried syndrome, the weight its evidence gets.",
    }, populationText(item.population));
    const facts = card.querySelector(".facts");
    if (facts) facts.after(line); else card.prepend(line);
  }
}

async function openCandidate(row) {
  state.selected = row.candidate.id;
  renderTable();
  const id = row.candidate.id;
  const q = rankingParams();
  const figureQuery = new URLSearchParams({ indication: state.indication });
  const path = id.split("/").map(encodeURIComponent).join("/");
  $("detail").hidden = false;
  $("detail-title").textContent = `${row.candidate.label} — loading evidence…`;
  try {
    const [ex, figures] = await Promise.all([
      getJSON(`/candidates/${path}/evidence?${q}`),
      getJSON(`/candidates/${path}/figures?${figureQuery}`),
    ]);
    const n = state.names[id] || {};
    const indicationName = ex.indication.matched.map((t) => t.label).join(", ") || ex.indication.query;
    const within = ex.syndrome ? ` within ${ex.syndrome.zh || ex.syndrome.label}` : "";
    $("detail-title").textContent = `${(n.zh && n.zh[0]) ? n.zh[0] + " " : ""}${row.candidate.label} for ${indicationName}${within}`;
    const traditional = ex.syndrome && ex.score.traditional !== null && ex.score.traditional !== undefined
      ? `; traditional ${fmt(ex.score.traditional)} (not in the score)` : "";
    $("detail-summary").textContent = `Score ${fmt(ex.score.score)} (clinical ${fmt(ex.score.clinical)}, mechanistic ${fmt(ex.score.mechanistic)}), certainty ${ex.score.certainty}; ${ex.score.supporting} stud${ex.score.supporting === 1 ? "y" : "ies"} for, ${ex.score.contradicting} against; ${ex.paths.length} mechanism path(s)${traditional}.`;
    const dq = new URLSearchParams({ candidate: id, indication: state.indication });
    if (state.syndrome) dq.set("syndrome", state.syndrome);
    $("dossier-link").href = `/dossier?${dq}`;
    $("dossier-download").href = `/dossier?${dq}&download=true`;
    onMarker(showChart($("profile-chart"), figures.profile,
      "No direct evidence for this candidate and indication."), selectEvidence);
    showChart($("mechanism-chart"), figures.mechanism,
      "No mechanism path from this candidate to the indication in the graph.");
    showCards($("cards"), figures.cards, selectEvidence, showSource);
    showPopulations($("cards"), ex.evidence);
    renderSafety(ex.score.safety, ex.score.toxicity_grades || []);
    $("source-panel").hidden = true;
    const kind = $("kind").value;
    history.replaceState(null, "", `#${rankingParams({ kind, candidate: id })}`);
    $("detail").scrollIntoView({ block: "start" });
  } catch (err) {
    $("detail-title").textContent = `${row.candidate.label}: could not load the evidence (${err.message})`;
  }
}

// -- browse by TCM theory --------------------------------------------------------------------

const SCHEME_SELECTS = { actions: "browse-action", natures: "browse-nature", flavours: "browse-flavour", meridians: "browse-meridian" };
const KIND_WORDS = { herb: "herb(s)", formula: "formula(s)", preparation: "hospital preparation(s)" };

// The filters' choices (GET /theory/schemes), and every syndrome's name for the syndrome field.
async function loadTheory() {
  try {
    const schemes = await getJSON("/theory/schemes");
    for (const [key, id] of Object.entries(SCHEME_SELECTS)) {
      $(id).replaceChildren(h("option", { value: "" }, "any"),
        ...(schemes[key] || []).map((c) => h("option", { value: c.id }, conceptText(c))));
    }
    const all = await getJSON(`/syndromes?${new URLSearchParams({ q: "", limit: 500 })}`);
    $("browse-syndrome-names").replaceChildren(...all.syndromes.map((c) => h("option", { value: c.zh || c.label }, conceptText(c))));
  } catch (err) {
    setStatus("browse-status", `Could not load the TCM theory choices: ${err.message}`, true);
  }
}

// Syndromes are listed by name; the theory filters then say nothing and are disabled.
function followBrowseKind() {
  const syndromes = $("browse-kind").value === "syndromes";
  for (const id of Object.values(SCHEME_SELECTS)) $(id).disabled = syndromes;
  $("browse-syndrome-label").textContent = syndromes ? "Syndrome name (empty: all)" : "Indicated for syndrome";
}

const conceptList = (label, concepts) => (concepts.length
  ? h("span", { class: "facet" }, h("span", { class: "facet-name" }, `${label}: `), concepts.map(conceptShort).join(", "))
  : null);

function browseItem(item, names) {
  const n = names[item.id] || {};
  const first = (list) => (list && list.length ? list[0] : null);
  const zh = first(n.zh), pinyin = first(n.pinyin), english = first(n.english) || item.label;
  return h("li", { class: "browse-item", "data-id": item.id },
    h("div", { class: "names" },
      zh && h("span", { class: "zh", lang: "zh" }, zh),
      pinyin && h("span", { class: "pinyin", lang: "zh-Latn-pinyin" }, pinyin),
      h("span", { class: "english" }, english),
      h("span", { class: "kind" }, ` ${item.kind} · ${item.id}`)),
    h("div", { class: "facts" },
      conceptList("actions", item.actions), conceptList("nature", item.natures),
      conceptList("flavour", item.flavours), conceptList("meridians", item.meridians),
      conceptList("indicated for", item.indicated_for)),
    ...item.toxicity.map((g) => h("span", {
      class: "flag pharmacopoeia", title: `Pharmacopoeia toxicity grade, from ${g.source}`,
    }, h("span", { class: "flag-source" }, "Pharmacopoeia"), " ", conceptShort(g))));
}

function syndromeItem(s) {
  return h("li", { class: "browse-item syndrome-item", "data-id": s.id },
    h("div", { class: "names" },
      s.zh && h("span", { class: "zh", lang: "zh" }, s.zh),
      s.pinyin && h("span", { class: "pinyin", lang: "zh-Latn-pinyin" }, s.pinyin),
      h("span", { class: "english" }, s.label)),
    principleText(s.principle) && h("div", { class: "facts" }, `治法 treatment principle: ${principleText(s.principle)}`),
    h("div", { class: "links" },
      h("button", {
        type: "button", class: "linkish",
        onclick: () => {
          // Only the syndrome filters: actions and the like left from an earlier look would narrow it.
          for (const id of Object.values(SCHEME_SELECTS)) $(id).value = "";
          $("browse-kind").value = "formula";
          followBrowseKind();
          $("browse-syndrome").value = s.zh || s.label;
          runBrowse();
        },
      }, "formulas indicated for it"),
      h("button", {
        type: "button", class: "linkish",
        onclick: () => { pickSyndrome({ id: s.id, text: s.zh || s.label }); $("search-section").scrollIntoView({ block: "start" }); $("indication").focus(); },
      }, "rank within it")));
}

async function runBrowse(ev) {
  if (ev) ev.preventDefault();
  const kind = $("browse-kind").value;
  const list = $("browse-results");
  setStatus("browse-status", "Looking…");
  $("browse-run").disabled = true;
  try {
    if (kind === "syndromes") {
      const q = $("browse-syndrome").value.trim();
      const data = await getJSON(`/syndromes?${new URLSearchParams({ q, limit: 200 })}`);
      list.replaceChildren(...data.syndromes.map(syndromeItem));
      setStatus("browse-status", `${data.syndromes.length} syndrome(s)${q ? ` named like “${q}”` : ""}.`);
      return;
    }
    const params = { kind, limit: 200 };
    for (const [key, id] of [["action", "browse-action"], ["nature", "browse-nature"], ["flavour", "browse-flavour"], ["meridian", "browse-meridian"]]) {
      if ($(id).value) params[key] = $(id).value;
    }
    if ($("browse-syndrome").value.trim()) params.syndrome = $("browse-syndrome").value.trim();
    const data = await getJSON(`/browse?${new URLSearchParams(params)}`);
    const ids = data.items.map((item) => item.id);
    const names = ids.length
      ? await getJSON(`/names?${new URLSearchParams(ids.slice(0, 200).map((id) => ["id", id]))}`).catch(() => ({}))
      : {};
    list.replaceChildren(...data.items.map((item) => browseItem(item, names)));
    const filters = Object.entries(data.filters).map(([k, c]) => `${k} ${conceptShort(c)}`).join("; ");
    setStatus("browse-status", `${data.total} ${KIND_WORDS[kind] || kind}${filters ? ` with ${filters}` : ""}${data.total > data.items.length ? `, first ${data.items.length} shown` : ""}.`);
  } catch (err) {
    list.replaceChildren();
    setStatus("browse-status", `Could not browse: ${err.message}`, true);
  } finally {
    $("browse-run").disabled = false;
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
  // Hide on leaving the field, unless focus came back meanwhile (a quick blur and retype
  // would otherwise cancel the lookup the new text asked for).
  input.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== input) hideSuggestions(); }, 100));
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    hideSuggestions();
    const text = input.value.trim();
    const indication = state.picked && state.picked.label === text ? state.picked.id : text;
    hideSyndromeSuggestions();
    if (indication) rank(indication, $("kind").value, syndromeQuery());
  });
  const syndrome = $("syndrome");
  syndrome.addEventListener("input", () => {
    state.syndromePicked = null;
    clearTimeout(syndromeTimer);
    syndromeTimer = setTimeout(() => suggestSyndromes(syndrome.value), 150);
  });
  syndrome.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { ev.preventDefault(); moveSuggestion(1, "syndrome-suggestions", "syndrome"); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); moveSuggestion(-1, "syndrome-suggestions", "syndrome"); }
    else if (ev.key === "Escape") hideSyndromeSuggestions();
    else if (ev.key === "Enter") {
      const active = $("syndrome-suggestions").querySelector('[aria-selected="true"]');
      if (active && !$("syndrome-suggestions").hidden) {
        ev.preventDefault();
        pickSyndrome({ id: active.dataset.id, text: active.dataset.label });
      }
    }
  });
  syndrome.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== syndrome) hideSyndromeSuggestions(); }, 100));
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
  $("browse-kind").addEventListener("change", followBrowseKind);
  $("browse-form").addEventListener("submit", runBrowse);
  followBrowseKind();
  loadTheory();
  showSyndrome(null);
  openFromAddress();
  // A link pasted over the page's own address changes only its fragment: open it too. (The
  // page's own updates use history.replaceState, which fires no hashchange.)
  window.addEventListener("hashchange", openFromAddress);
}

// A shared link (#indication=…&kind=…&syndrome=…&candidate=…) opens the same view.
function openFromAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.get("indication")) return;
  $("indication").value = params.get("indication");
  if (params.get("kind")) $("kind").value = params.get("kind");
  const linked = params.get("syndrome") || "";
  state.syndromePicked = null;
  $("syndrome").value = linked;
  rank(params.get("indication"), $("kind").value, linked).then(() => {
    const row = state.rows.find((r) => r.candidate.id === params.get("candidate"));
    if (row) openCandidate(row);
  });
}

init();
