// Places what the server drew for one candidate (api/presentation: the charts and evidence
// cards the dossier embeds) in the page, and wires its clicks. Nothing is drawn here.

/**
 * Put the SVG text `svg` (from GET /candidates/{id}/figures) in `container`, or `emptyText`
 * when there is none. Returns the SVG element, or null.
 */
export function showChart(container, svg, emptyText) {
  container.replaceChildren();
  const parsed = svg ? new DOMParser().parseFromString(svg, "image/svg+xml").documentElement : null;
  if (!parsed || parsed.nodeName !== "svg") {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = emptyText;
    container.appendChild(p);
    return null;
  }
  const node = document.importNode(parsed, true);
  container.appendChild(node);
  return node;
}

/** Call `onSelect(index)` when an evidence marker is clicked or Enter is pressed on it. */
export function onMarker(svg, onSelect) {
  if (!svg) return;
  for (const marker of svg.querySelectorAll(".marker")) {
    const index = Number(marker.dataset.index);
    marker.addEventListener("click", () => onSelect(index));
    marker.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onSelect(index); });
  }
}

/**
 * Put the evidence cards (an HTML fragment from GET /candidates/{id}/figures) in `container`;
 * a click on a card calls `onSelect(index)`, on its "Source record" button `onSource(id)`.
 */
export function showCards(container, html, onSelect, onSource) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  container.replaceChildren(...[...parsed.body.childNodes].map((n) => document.importNode(n, true)));
  for (const card of container.querySelectorAll(".evidence-card")) {
    const index = Number(card.dataset.index);
    card.addEventListener("click", () => onSelect(index));
    const button = card.querySelector(".source-button");
    if (button) {
      button.addEventListener("click", (ev) => { ev.stopPropagation(); onSource(button.dataset.source); });
    }
  }
}
