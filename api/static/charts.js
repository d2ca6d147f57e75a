// Places the charts the server drew (api/presentation/charts.py, the same drawing the dossier
// embeds) in the page, and ties each evidence marker to its card. Nothing is drawn here.

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
