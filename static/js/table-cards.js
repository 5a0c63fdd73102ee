// Lists that become stacked cards on phones (see .table-cards in aidsys.css).
// Each cell takes its column's heading as its label (data-label, unless the template gave one);
// the title column (th[data-card-title], else the first) heads the card; a column without a heading
// holds the row's action; an empty cell is left out of the card. A value the same on every row is shown once above the list instead.
(function () {
  "use strict";

  function headings(table) {
    const row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    const columns = [];
    if (!row) return columns;
    for (const cell of row.cells) {
      for (let span = 0; span < cell.colSpan; span++) columns.push(cell);
    }
    return columns;
  }

  function cellsByColumn(row) {
    const cells = [];
    for (const cell of row.cells) {
      cells.push(cell);
      for (let span = 1; span < cell.colSpan; span++) cells.push(null);
    }
    return cells;
  }

  function showSameValuesOnce(table, columns, title, rows) {
    if (rows.length < 2 || rows.some((row) => row.cells.length !== rows[0].cells.length)) return;
    const summary = document.createElement("dl");
    summary.className = "cards-common d-md-none";
    columns.forEach((heading, index) => {
      const label = heading.textContent.trim();
      if (index === title || !label) return;
      const cells = rows.map((row) => cellsByColumn(row)[index]);
      const value = cells[0] && cells[0].textContent.trim();
      if (!value || value === "—" || cells.some((cell) => !cell || cell.textContent.trim() !== value)) return;
      const term = document.createElement("dt");
      term.textContent = label;
      const definition = document.createElement("dd");
      for (const node of cells[0].childNodes) definition.appendChild(node.cloneNode(true));
      summary.append(term, definition);
      cells.forEach((cell) => cell.classList.add("cards-same"));
    });
    if (summary.childElementCount) {
      const wrapper = table.closest(".table-responsive") || table;
      wrapper.parentNode.insertBefore(summary, wrapper);
    }
  }

  function cardify(table) {
    const columns = headings(table);
    const marked = columns.findIndex((cell) => cell.hasAttribute("data-card-title"));
    const title = marked < 0 ? 0 : marked;
    const rows = [];
    for (const body of table.tBodies) rows.push(...body.rows);
    const footRows = table.tFoot ? [...table.tFoot.rows] : [];
    for (const row of rows.concat(footRows)) {
      cellsByColumn(row).forEach((cell, index) => {
        if (!cell || cell.colSpan > 1 && row.cells.length === 1) return;
        if (index === title) {
          cell.classList.add("cell-title");
          return;
        }
        const label = columns[index] ? columns[index].textContent.trim() : "";
        if (!cell.textContent.trim() && !cell.querySelector("img, input, button")) cell.classList.add("cell-empty");
        else if (!label) cell.classList.add("cell-action");
        else if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
      });
    }
    showSameValuesOnce(table, columns, title, rows);
  }

  function cardifyAll(root) {
    root.querySelectorAll("table.table-cards:not([data-cards-ready])").forEach((table) => {
      table.setAttribute("data-cards-ready", "");
      cardify(table);
    });
  }

  document.addEventListener("DOMContentLoaded", () => cardifyAll(document));
  document.addEventListener("htmx:afterSwap", (event) => cardifyAll(event.target));
})();
