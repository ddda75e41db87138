// postmortem-archive: filter, sort and page through the incident and action-item lists.
//
// The server writes static pages of rows (page 1 at the list's URL, the rest at page/N/),
// readable and linked without JavaScript. When a reader filters or sorts, this script fetches
// the list's compact JSON once (data-rows) and renders rows from it, so filters and sorting
// cover every row, not just the page on screen. The URL keeps filters, sort and page.
// Every value from the JSON is front matter, i.e. untrusted: it only ever reaches the page
// through textContent and setAttribute, never innerHTML.
(function () {
  "use strict";
  var loaded = {}; // JSON URL -> Promise of prepared rows

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function append(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }

  function lower(value) {
    return (value || "").toLowerCase();
  }

  function cell(label, className) {
    return el("td", { "data-label": label, class: className || null });
  }

  function chips(root, values) {
    var out = [];
    values.forEach(function (value, index) {
      if (index) out.push(" ");
      // A value only a draft has has no page (url null): plain text, as on the static page.
      out.push(value[2] === null ? el("span", { class: "pm-chip" }, value[1])
                                 : el("a", { class: "pm-chip", href: root + value[2] }, value[1]));
    });
    return out;
  }

  function isHttpUrl(value) {
    return /^https?:\/\/[^\s"'<>]+$/i.test(value.trim());
  }

  // One entry per list kind: how to read its JSON, filter, sort and draw a row.
  var KINDS = {
    incidents: {
      noun: "incidents",
      prepare: function (data) {
        var f = index(data.fields), facets = data.facets;
        return data.rows.map(function (r, position) {
          var sev = facets.severity[r[f.severity]];
          var pick = function (key, field) { return r[f[field]].map(function (i) { return facets[key][i]; }); };
          var services = pick("services", "services"), teams = pick("teams", "teams");
          var tags = pick("tags", "tags"), patterns = pick("patterns", "patterns");
          var slugs = function (values) { return values.map(function (v) { return v[0]; }); };
          var names = function (values) { return values.map(function (v) { return v[1]; }).join(" "); };
          return {
            position: position,
            data: { url: r[f.url], date: r[f.date], title: r[f.title], sev: sev, services: services, teams: teams,
                    status: r[f.status], statusLabel: data.status_labels[r[f.status]] || r[f.status],
                    ttrLabel: r[f.ttr_label] },
            keys: { severity: [sev[0]], services: slugs(services), teams: slugs(teams), tags: slugs(tags),
                    years: [r[f.date].slice(0, 4)], patterns: slugs(patterns) },
            text: lower([r[f.title], names(services), names(teams), names(tags)].join(" ")),
            sort: { date: r[f.date], title: lower(r[f.title]), severity: sev[3], services: lower(names(services)),
                    teams: lower(names(teams)), status: r[f.status],
                    ttr: r[f.ttr] === null ? Infinity : r[f.ttr] }
          };
        });
      },
      draw: function (row, root) {
        var d = row.data, tr = el("tr");
        append(tr,
          append(cell("Date"), el("time", { datetime: d.date }, d.date)),
          append(cell("Title", "pm-title"), el("a", { href: root + d.url }, d.title)),
          append(cell("Severity"), el("span", { class: "pm-sev pm-sev-" + d.sev[3] }, d.sev[1])));
        tr.appendChild(append.apply(null, [cell("Services")].concat(chips(root, d.services))));
        tr.appendChild(append.apply(null, [cell("Teams")].concat(chips(root, d.teams))));
        append(tr,
          append(cell("Status"), el("span", { class: "pm-status pm-status-" + d.status }, d.statusLabel)),
          append(cell("Time to resolve"), d.ttrLabel));
        return tr;
      }
    },
    actions: {
      noun: "action items",
      prepare: function (data) {
        var f = index(data.fields);
        return data.rows.map(function (r, position) {
          var incident = data.incidents[r[f.incident]];
          var owner = r[f.owner] === null ? null : data.owners[r[f.owner]];
          var team = r[f.team] === null ? null : data.teams[r[f.team]];
          var overdue = r[f.days_overdue] > 0;
          var status = [r[f.status]];
          if (overdue) status.push("overdue");
          return {
            position: position,
            data: { title: r[f.title], owner: owner && owner[1], team: team && team[1], type: r[f.type],
                    priority: r[f.priority], priorityDefault: r[f.priority_is_default], due: r[f.due],
                    dueDefault: r[f.due_is_default], status: r[f.status], daysOverdue: r[f.days_overdue],
                    ticket: r[f.ticket], ticketIsUrl: r[f.ticket_is_url], incident: incident },
            keys: { status: status, owner: owner ? [owner[0]] : [], team: team ? [team[0]] : [],
                    type: r[f.type] ? [r[f.type]] : [], priority: r[f.priority] ? [r[f.priority]] : [],
                    pattern: incident[4].map(function (i) { return data.patterns[i][0]; }) },
            text: lower([r[f.title], r[f.ticket], owner && owner[1], team && team[1], incident[3], incident[5]].join(" ")),
            sort: { title: lower(r[f.title]), owner: owner ? lower(owner[1]) : "\uffff", priority: r[f.priority] || "P9",
                    due: r[f.due] || "9999", status: (overdue ? "0" : "1") + r[f.status], incident: incident[1] }
          };
        });
      },
      draw: function (row, root) {
        var d = row.data, incident = d.incident;
        var tr = el("tr", { class: "pm-item-" + d.status + (d.daysOverdue > 0 ? " pm-overdue" : "") });
        var title = append(cell("Action item", "pm-title"), el("span", { class: "pm-item-title" }, d.title));
        if (d.ticket || d.team || d.type) {
          var sub = el("span", { class: "pm-sub" });
          if (d.ticket) {
            var url = d.ticketIsUrl && isHttpUrl(d.ticket);
            sub.appendChild(url ? el("a", { class: "pm-ticket", href: d.ticket.trim(), rel: "nofollow noopener" }, d.ticket)
                                : el("span", { class: "pm-ticket" }, d.ticket));
          }
          if (d.team) sub.appendChild(el("span", { class: "pm-chip" }, d.team));
          if (d.type) sub.appendChild(el("span", { class: "pm-type" }, d.type));
          title.appendChild(sub);
        }
        var priority = append(cell("Priority"), d.priority || "");
        if (d.priorityDefault) append(priority, " ", el("abbr", { class: "pm-muted", title: "default for " + d.type }, "(default)"));
        var due = cell("Due");
        if (d.due) {
          append(due, el("time", { datetime: d.due }, d.due));
          if (d.dueDefault) append(due, " ", el("abbr", { class: "pm-muted", title: "action-item SLO" }, "(SLO)"));
        }
        var status = append(cell("Status"), el("span", { class: "pm-nowrap" }, d.status));
        if (d.daysOverdue > 0) append(status, " ", el("strong", { class: "pm-flag" }, "overdue " + d.daysOverdue + " d"));
        var link = append(el("a", { href: root + incident[0] }), el("time", { datetime: incident[1] }, incident[1]));
        append(tr, title, append(cell("Owner"), d.owner || "unassigned"), priority, due, status,
          append(cell("Incident"), link, " ", el("span", { class: "pm-muted" }, incident[2])));
        return tr;
      }
    }
  };

  function index(fields) {
    var out = {};
    fields.forEach(function (name, i) { out[name] = i; });
    return out;
  }

  function rowsOf(url, kind) {
    if (!loaded[url]) {
      loaded[url] = window.fetch(url).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      }).then(function (data) { return KINDS[kind].prepare(data); });
    }
    return loaded[url];
  }

  function setup(list) {
    var kind = KINDS[list.getAttribute("data-pm-list")];
    var form = list.querySelector("form.pm-filters");
    var table = list.querySelector("table");
    if (!kind || !form || !table) return;
    var root = list.getAttribute("data-root") || "";
    var size = parseInt(list.getAttribute("data-size"), 10) || 100;
    var first = new URL(list.getAttribute("data-first"), window.location.href).pathname;
    var fixedKey = list.getAttribute("data-fixed-key");
    var fixedValue = list.getAttribute("data-fixed-value");
    var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
    var keys = selects.map(function (s) { return s.name; });
    var count = form.querySelector("output");
    var notice = list.querySelector(".pm-notice");
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var defaultSort = headers.filter(function (th) { return th.getAttribute("aria-sort"); })[0];
    var state = { filters: {}, q: "", sort: "", dir: "", page: 1 };

    // Sortable headers: a <button> filling the cell, so the whole cell is one keyboard-reachable control.
    headers.forEach(function (th) {
      var key = th.getAttribute("data-sort");
      if (!key || th.querySelector("button")) return;
      var button = el("button", { type: "button", class: "pm-sort" }, th.textContent);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        state.sort = key;
        state.dir = ascending ? "asc" : "desc";
        state.page = 1;
        show();
      });
    });

    function readUrl() {
      var params = new URLSearchParams(window.location.search);
      keys.forEach(function (key) { if (params.get(key)) state.filters[key] = params.get(key); });
      state.q = params.get("q") || "";
      state.sort = params.get("sort") || "";
      state.dir = params.get("dir") === "asc" ? "asc" : params.get("sort") ? "desc" : "";
      state.page = Math.max(1, parseInt(params.get("page"), 10) || 1);
      // A value the list does not have stays selected, marked, so the reader sees why nothing shows.
      selects.forEach(function (select) {
        var wanted = state.filters[select.name];
        if (!wanted) return;
        var known = Array.prototype.some.call(select.options, function (o) { return o.value === wanted; });
        if (!known) select.appendChild(el("option", { value: wanted, "data-unknown": "1" }, wanted + " (not in this archive)"));
        select.value = wanted;
      });
      form.elements.q.value = state.q;
    }

    function isDefault() {
      return !state.q && !state.sort && state.page === 1 && !Object.keys(state.filters).length;
    }

    function query() {
      var params = new URLSearchParams();
      keys.forEach(function (key) { if (state.filters[key]) params.set(key, state.filters[key]); });
      if (state.q) params.set("q", state.q);
      if (state.sort) { params.set("sort", state.sort); params.set("dir", state.dir); }
      return params;
    }

    function pageHref(number) {
      var params = query();
      if (number > 1) params.set("page", String(number));
      var search = params.toString();
      return first + (search ? "?" + search : "");
    }

    function setNotice(messages) {
      if (!notice) return;
      notice.textContent = messages.join(" ");
      notice.hidden = !messages.length;
    }

    function drawPager(total) {
      var nav = list.querySelector("nav.pm-pager");
      var pages = Math.max(1, Math.ceil(total / size));
      if (!nav) {
        nav = el("nav", { class: "pm-pager", "aria-label": "Pages of this list" });
        list.appendChild(nav);
      }
      nav.textContent = "";
      nav.hidden = pages < 2;
      if (pages < 2) return;
      var link = function (number, text, rel) {
        var a = el("a", { href: pageHref(number), rel: rel || null }, text);
        if (number === state.page) a.setAttribute("aria-current", "page");
        a.addEventListener("click", function (event) {
          event.preventDefault();
          state.page = number;
          show();
          list.scrollIntoView({ block: "start" });
        });
        return a;
      };
      if (state.page > 1) nav.appendChild(link(state.page - 1, "‹ Previous", "prev"));
      var shown = [];
      for (var n = 1; n <= pages; n++) {
        if (n === 1 || n === pages || Math.abs(n - state.page) <= 2) shown.push(n);
      }
      shown.forEach(function (number, i) {
        if (i && number - shown[i - 1] > 1) nav.appendChild(el("span", { class: "pm-gap" }, "…"));
        nav.appendChild(link(number, String(number)));
      });
      if (state.page < pages) nav.appendChild(link(state.page + 1, "Next ›", "next"));
      var start = (state.page - 1) * size;
      nav.appendChild(el("span", { class: "pm-range" }, (start + 1) + "–" + Math.min(total, start + size) + " of " + total));
    }

    function show() {
      window.history.replaceState(null, "", (isDefault() ? first : pageHref(state.page)) + window.location.hash);
      drawFeeds();
      count.textContent = "Loading…";
      rowsOf(list.getAttribute("data-rows"), list.getAttribute("data-pm-list")).then(function (all) {
        var scope = fixedKey ? all.filter(function (row) { return row.keys[fixedKey].indexOf(fixedValue) !== -1; }) : all;
        var q = lower(state.q.trim());
        var rows = scope.filter(function (row) {
          return keys.every(function (key) {
            var wanted = state.filters[key];
            return !wanted || row.keys[key].indexOf(wanted) !== -1;
          }) && (!q || row.text.indexOf(q) !== -1);
        });
        if (state.sort) {
          var sign = state.dir === "asc" ? 1 : -1;
          rows.sort(function (a, b) {
            var x = a.sort[state.sort], y = b.sort[state.sort];
            return (x < y ? -sign : x > y ? sign : 0) || a.position - b.position;
          });
        }
        var pages = Math.max(1, Math.ceil(rows.length / size));
        if (state.page > pages) state.page = pages;
        var body = table.tBodies[0];
        var fragment = document.createDocumentFragment();
        rows.slice((state.page - 1) * size, state.page * size).forEach(function (row) {
          fragment.appendChild(kind.draw(row, root));
        });
        body.textContent = "";
        body.appendChild(fragment);
        headers.forEach(function (th) {
          var key = th.getAttribute("data-sort");
          if (state.sort ? key === state.sort : th === defaultSort) {
            th.setAttribute("aria-sort", state.sort && state.dir === "asc" ? "ascending" : "descending");
          } else {
            th.removeAttribute("aria-sort");
          }
        });
        count.textContent = rows.length + " of " + scope.length + " shown";
        var messages = [];
        selects.forEach(function (select) {
          var option = select.options[select.selectedIndex];
          if (option && option.getAttribute("data-unknown")) {
            var label = select.parentNode.firstChild.textContent.trim();
            messages.push("No " + lower(label) + " “" + option.value + "” in this archive.");
          }
        });
        if (!rows.length) messages.push("No " + kind.noun + " match these filters.");
        setNotice(messages);
        drawPager(rows.length);
      }, function (error) {
        count.textContent = "";
        setNotice(["Could not load every row (" + error.message + "); the page links below still go through the whole list."]);
      });
    }

    // The calendar feeds of the owner and team filters (site/calendar.py writes one for every owner
    // and team in the list): followed on every change, hidden for a value the archive does not have.
    var subscribe = list.querySelector(".pm-subscribe[data-feeds]");
    function drawFeeds() {
      if (!subscribe) return;
      ["owner", "team"].forEach(function (key) {
        var span = subscribe.querySelector('span[data-feed="' + key + '"]');
        var select = form.elements[key];
        var option = select && select.value ? select.options[select.selectedIndex] : null;
        if (!span) return;
        if (!option || option.getAttribute("data-unknown")) {
          span.hidden = true;
          return;
        }
        var a = span.querySelector("a");
        a.href = subscribe.getAttribute("data-feeds") + key + "/" + encodeURIComponent(option.value) + ".ics";
        a.textContent = "open items of " + (key === "team" ? "team " : "") + option.textContent + " (.ics)";
        span.hidden = false;
      });
    }

    function fromForm() {
      state.filters = {};
      selects.forEach(function (select) { if (select.value) state.filters[select.name] = select.value; });
      state.q = form.elements.q.value;
      state.page = 1;
      show();
    }

    form.addEventListener("change", fromForm);
    form.elements.q.addEventListener("input", fromForm);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () {
      window.setTimeout(function () {
        state.sort = "";
        state.dir = "";
        fromForm();
      }, 0);
    });
    form.hidden = false;
    readUrl();
    if (isDefault()) {
      var total = list.getAttribute("data-total");
      count.textContent = total + " of " + total + " shown";
    } else {
      show();
    }
  }

  function setupAll() {
    document.querySelectorAll("[data-pm-list]").forEach(function (list) {
      if (list.getAttribute("data-pm-ready")) return;
      list.setAttribute("data-pm-ready", "1");
      setup(list);
    });
  }

  // Material's instant navigation swaps pages without a reload and announces each on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setupAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
