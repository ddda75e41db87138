// postmortem-archive: filter and sort incident tables in the browser.
// Without JavaScript the table stays a plain, complete, readable table.
(function () {
  "use strict";
  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (raw === null) raw = cell.textContent.trim();
    if (kind === "number") return raw === "" ? Infinity : parseFloat(raw);
    return raw.toLowerCase();
  }

  function setupSorting(table) {
    var body = table.tBodies[0];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind || th.querySelector("button")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function setupFilters(root, table) {
    var form = root.querySelector("form.pm-filters");
    if (!form) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    // Each <select name="x"> filters on the rows' data-x attribute (space-separated slugs).
    var KEYS = Array.prototype.map.call(form.querySelectorAll("select"), function (s) { return s.name; });
    var count = form.querySelector("output");
    var params = new URLSearchParams(window.location.search);
    KEYS.concat(["q"]).forEach(function (key) {
      if (params.has(key) && form.elements[key]) form.elements[key].value = params.get(key);
    });

    function apply() {
      var query = form.elements.q.value.trim().toLowerCase();
      var shown = 0;
      var state = new URLSearchParams();
      KEYS.forEach(function (key) { if (form.elements[key].value) state.set(key, form.elements[key].value); });
      if (query) state.set("q", query);
      rows.forEach(function (row) {
        var visible = KEYS.every(function (key) {
          var wanted = form.elements[key].value;
          return !wanted || (row.getAttribute("data-" + key) || "").split(" ").indexOf(wanted) !== -1;
        }) && (!query || (row.getAttribute("data-text") || "").toLowerCase().indexOf(query) !== -1);
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " shown";
      var search = state.toString();
      window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  function setup() {
    document.querySelectorAll("[data-pm-table]").forEach(function (root) {
      if (root.getAttribute("data-pm-ready")) return;
      root.setAttribute("data-pm-ready", "1");
      var table = root.querySelector("table.pm-table");
      if (!table) return;
      setupSorting(table);
      setupFilters(root, table);
    });
  }

  // Material's instant navigation swaps pages without a reload and announces each on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
