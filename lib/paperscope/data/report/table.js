/* table.js: a sortable, filterable, paged table over rows given as JSON. No dependency.
   Usage: a table element with id T, the rows as {"columns": [...], "rows": [[...], ...]} in a
   script element of type application/json with id T-data, then auditTable(T, {pageSize: 100}).
   Text is set with textContent only (never innerHTML), so a title from a PDF cannot inject markup.
   Inlined into a page, this file must hold no closing script tag (it holds none). */
function auditTable(id, opts) {
  "use strict";
  var table = document.getElementById(id), size = (opts && opts.pageSize) || 100;
  var data = JSON.parse(document.getElementById(id + "-data").textContent);
  var cols = data.columns, rows = data.rows, shown = rows, page = 0, sortCol = -1, sortDir = 1;
  var filters = cols.map(function () { return ""; });
  var numeric = cols.map(function (_, c) { return rows.every(function (r) { return r[c] === null || typeof r[c] === "number"; }); });
  var el = function (tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; };
  var thead = el("thead"), head = el("tr"), filt = el("tr"), tbody = el("tbody");
  var bar = el("div"), info = el("span"), prev = el("button", "‹ previous"), next = el("button", "next ›"), search = el("input");
  search.type = "search"; search.placeholder = "filter all columns"; search.setAttribute("aria-label", "filter all columns");
  bar.className = "audit-bar"; bar.append(search, prev, info, next); table.before(bar);
  cols.forEach(function (name, c) {
    var th = el("th", name), box = el("input");
    th.tabIndex = 0; th.setAttribute("aria-sort", "none");
    th.onclick = th.onkeydown = function (ev) {
      if (ev.type === "keydown" && ev.key !== "Enter") return;
      sortDir = sortCol === c ? -sortDir : 1; sortCol = c;
      head.querySelectorAll("th").forEach(function (h, i) {
        h.setAttribute("aria-sort", i !== c ? "none" : sortDir > 0 ? "ascending" : "descending"); });
      apply();
    };
    box.type = "search"; box.placeholder = numeric[c] ? "= or < >" : "contains"; box.setAttribute("aria-label", "filter " + name);
    box.oninput = function () { filters[c] = box.value.trim().toLowerCase(); apply(); };
    head.append(th); var td = el("th"); td.append(box); filt.append(td);
  });
  thead.append(head, filt); table.append(thead, tbody);
  function match(v, f, num) {
    if (!f) return true;
    if (num && /^[<>=]/.test(f)) { var n = parseFloat(f.slice(1)); return f[0] === "<" ? v < n : f[0] === ">" ? v > n : v === n; }
    return String(v === null ? "" : v).toLowerCase().indexOf(f) >= 0;
  }
  function apply() {
    var all = search.value.trim().toLowerCase();
    shown = rows.filter(function (r) {
      for (var c = 0; c < cols.length; c++) if (!match(r[c], filters[c], numeric[c])) return false;
      return !all || r.some(function (v) { return String(v === null ? "" : v).toLowerCase().indexOf(all) >= 0; });
    });
    if (sortCol >= 0) shown = shown.slice().sort(function (a, b) {
      var x = a[sortCol], y = b[sortCol];
      if (x === y) return 0; if (x === null) return 1; if (y === null) return -1;
      return (numeric[sortCol] ? x - y : String(x).localeCompare(String(y))) * sortDir;
    });
    page = 0; draw();
  }
  function draw() {
    var pages = Math.max(1, Math.ceil(shown.length / size)), frag = document.createDocumentFragment();
    shown.slice(page * size, (page + 1) * size).forEach(function (r) {
      var tr = el("tr"); r.forEach(function (v) { tr.append(el("td", v === null ? "" : String(v))); }); frag.append(tr); });
    tbody.replaceChildren(frag);
    info.textContent = shown.length + " of " + rows.length + " rows, page " + (page + 1) + " of " + pages;
    prev.disabled = page === 0; next.disabled = page >= pages - 1;
  }
  prev.onclick = function () { page--; draw(); }; next.onclick = function () { page++; draw(); };
  search.oninput = apply;
  apply();
  return { rows: function () { return shown.length; } };
}
