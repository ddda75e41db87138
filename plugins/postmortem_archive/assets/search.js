// postmortem-archive: Pagefind search in Material's search box, and the search page with filters.
// Everything shown from the index is set as text (front matter is untrusted); the only markup
// taken from Pagefind is the <mark> around matched words in excerpts, rebuilt as elements.
(function () {
  "use strict";
  var box = document.querySelector("[data-pm-search]");
  if (!box) return;
  var toggle = document.getElementById("__search");
  var input = box.querySelector(".md-search__input");
  var form = box.querySelector("form");
  var meta = box.querySelector(".md-search-result__meta");
  var list = box.querySelector(".md-search-result__list");
  var scrollwrap = box.querySelector(".md-search__scrollwrap");
  var siteRoot = new URL((box.getAttribute("data-pm-root") || ".") + "/", location.href);
  var searchPage = new URL(box.getAttribute("data-pm-page") || "search/", location.href);
  var bundles = (box.getAttribute("data-pm-bundles") || "").split(" ").filter(Boolean).map(function (url) {
    return new URL(url, location.href).href;
  });
  var bundleNames = bundles.map(function (url) { return url.replace(/\/$/, "").split("/").pop(); });
  var HEADER_RESULTS = 6; // each shown result costs a fragment download (~4 KB)
  var PAGE_RESULTS = 10;
  var FILTERS = [
    ["severity", "Severity"], ["status", "Status"], ["year", "Year"],
    ["service", "Service"], ["team", "Team"], ["pattern", "Failure pattern"]
  ];

  var loading = null;
  function pagefind() {
    // Loaded on first use only: a page view that does not search downloads none of it.
    if (!loading) {
      if (box.hasAttribute("data-pm-unindexed")) {
        loading = Promise.reject(notice("Search is not built under mkdocs serve (plugin option search_on_serve)."));
      } else if (!bundles.length) {
        loading = Promise.reject(notice("Nothing to search yet: no postmortem is published."));
      } else {
        loading = import(bundles[0] + "pagefind.js").then(function (pf) {
          var opts = { baseUrl: siteRoot.pathname, highlightParam: "highlight", excerptLength: 24 };
          // Each bundle tags its pages with a "bundle" filter, so a sorted search can ask one bundle at a time.
          return pf.options(Object.assign({ noWorker: true, mergeFilter: { bundle: bundleNames[0] } }, opts)).then(function () {
            return Promise.all(bundles.slice(1).map(function (url, i) {
              return pf.mergeIndex(url, Object.assign({ mergeFilter: { bundle: bundleNames[i + 1] } }, opts));
            }));
          }).then(function () { return pf; });
        });
      }
      loading.catch(function () {});
    }
    return loading;
  }

  function notice(message) {
    var error = new Error(message);
    error.notice = true;
    return error;
  }

  // Pagefind merges the results of several bundles by score, which loses a requested sort order.
  // Bundles hold disjoint years, newest first: sort within each bundle and concatenate them.
  function runSearch(pf, term, options) {
    if (!options.sort || bundles.length < 2) return pf.search(term, options);
    var order = options.sort.date === "asc" ? bundleNames.slice().reverse() : bundleNames;
    return Promise.all(order.map(function (name) {
      var filters = Object.assign({}, options.filters, { bundle: name });
      return pf.search(term, Object.assign({}, options, { filters: filters }));
    })).then(function (parts) {
      var counts = {};
      parts.forEach(function (part) {
        Object.keys(part.filters || {}).forEach(function (key) {
          counts[key] = counts[key] || {};
          Object.keys(part.filters[key]).forEach(function (value) {
            counts[key][value] = (counts[key][value] || 0) + part.filters[key][value];
          });
        });
      });
      return { results: [].concat.apply([], parts.map(function (part) { return part.results; })), filters: counts };
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Pagefind escapes only "<" and ">" of the page text in excerpts (then adds <mark>);
  // titles, metadata and filter values are the raw text.
  function unescapeAngles(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  }

  // Rebuild an excerpt from text nodes and <mark> elements; nothing else becomes markup.
  function excerpt(node, html) {
    var marked = false;
    String(html || "").split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === "<mark>") marked = true;
      else if (part === "</mark>") marked = false;
      else if (part) node.appendChild(marked ? el("mark", null, unescapeAngles(part)) : document.createTextNode(unescapeAngles(part)));
    });
    return node;
  }

  function resultItem(data, inPage) {
    var item = el("li", "md-search-result__item");
    var link = el("a", "md-search-result__link");
    link.href = data.url;
    if (!inPage) link.tabIndex = -1;
    var article = el("article", "md-search-result__article md-typeset");
    article.appendChild(el("h2", "pm-result-title", (data.meta && data.meta.title) || data.url));
    var facts = [data.meta && data.meta.severity, data.meta && data.meta.date].filter(Boolean);
    if (facts.length) article.appendChild(el("p", "pm-result-facts", facts.join(" · ")));
    article.appendChild(excerpt(el("p", "pm-result-excerpt"), data.excerpt));
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function count(n) {
    return n === 0 ? "No matching postmortems" : n === 1 ? "1 matching postmortem" : n + " matching postmortems";
  }

  function failed(target, error) {
    target.textContent = error && error.notice
      ? error.message
      : "Search is unavailable: its index could not be loaded (it needs the site served over http(s)).";
  }

  function pageUrl(query, filters, sort) {
    var url = new URL(searchPage.href);
    if (query) url.searchParams.set("q", query);
    Object.keys(filters || {}).forEach(function (key) {
      filters[key].forEach(function (value) { url.searchParams.append(key, value); });
    });
    if (sort) url.searchParams.set("sort", sort);
    return url.href;
  }

  // ---- The search box in the header ----
  var serial = 0;
  var timer = null;
  function runHeaderSearch() {
    var query = input.value.trim();
    var mine = ++serial;
    if (!query) {
      meta.textContent = "Type to start searching";
      list.textContent = "";
      return;
    }
    pagefind().then(function (pf) {
      return pf.search(query);
    }).then(function (search) {
      if (mine !== serial) return null;
      return Promise.all(search.results.slice(0, HEADER_RESULTS).map(function (r) { return r.data(); }))
        .then(function (datas) {
          if (mine !== serial) return;
          meta.textContent = count(search.results.length);
          list.textContent = "";
          list.setAttribute("data-pm-query", query); // which query the shown results answer
          datas.forEach(function (data) { list.appendChild(resultItem(data, false)); });
          var more = el("li", "md-search-result__item pm-search-more");
          var link = el("a", "md-search-result__link",
            search.results.length > HEADER_RESULTS ? "All " + search.results.length + " results, with filters" : "Filter these results");
          link.href = pageUrl(query);
          link.tabIndex = -1;
          more.appendChild(link);
          list.appendChild(more);
        });
    }).catch(function (error) {
      if (mine === serial) { list.textContent = ""; failed(meta, error); }
    });
  }

  function open() {
    if (!toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
  }
  function close() {
    if (toggle.checked) {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
    }
    input.blur();
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(runHeaderSearch, 120);
  });
  input.addEventListener("focus", function () {
    open();
    pagefind(); // start loading while the reader types
  });
  toggle.addEventListener("change", function () {
    if (toggle.checked && document.activeElement !== input) input.focus();
  });
  form.addEventListener("reset", function () {
    setTimeout(function () { runHeaderSearch(); input.focus(); }, 0);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = list.querySelector(".md-search-result__link");
    if (first) location.href = first.href;
    else location.href = pageUrl(input.value.trim());
  });

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return target.isContentEditable || tag === "input" || tag === "textarea" || tag === "select";
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (!toggle.checked) {
      // "/", "s" and "f" open search, as in Material, unless the reader is typing somewhere.
      if ((event.key === "/" || event.key === "s" || event.key === "f") && !typing(event.target)) {
        event.preventDefault();
        open();
        input.focus();
        input.select();
      }
      return;
    }
    var links = Array.prototype.slice.call(list.querySelectorAll(".md-search-result__link"));
    var stops = [input].concat(links);
    var at = stops.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (at < 0) return;
      event.preventDefault();
      var next = (at + (event.key === "ArrowDown" ? 1 : stops.length - 1)) % stops.length;
      stops[next].focus();
      if (next > 0 && scrollwrap) stops[next].scrollIntoView({ block: "nearest" });
    } else if (at > 0 && event.key.length === 1 && !event.ctrlKey) {
      input.focus(); // typing on a result goes on typing the query
    }
  });

  // ---- The search page: query, filters beside the results, all in its URL ----
  function setupPage(page) {
    var params = new URLSearchParams(location.search);
    var query = page.querySelector("input[name=q]");
    var sortSelect = page.querySelector("select[name=sort]");
    var filtersBox = page.querySelector(".pm-search-filters");
    var status = page.querySelector(".pm-search-count");
    var results = page.querySelector(".pm-search-results ol");
    var moreButton = page.querySelector(".pm-search-more-button");
    query.value = params.get("q") || "";
    sortSelect.value = params.get("sort") || "";
    var chosen = {};
    FILTERS.forEach(function (f) {
      var values = params.getAll(f[0]);
      if (values.length) chosen[f[0]] = values;
    });
    var boxes = {}; // filter -> value -> {input, count}
    var current = null;
    var shown = 0;
    var pageSerial = 0;

    function buildFilters(all) {
      filtersBox.textContent = "";
      FILTERS.forEach(function (f) {
        var key = f[0];
        var values = Object.keys(all[key] || {});
        if (!values.length) return;
        values.sort(function (a, b) {
          return key === "year" ? (a < b ? 1 : a > b ? -1 : 0) : all[key][b] - all[key][a] || a.localeCompare(b);
        });
        var fieldset = el("fieldset", "pm-search-facet");
        fieldset.appendChild(el("legend", null, f[1]));
        boxes[key] = {};
        values.forEach(function (value) {
          var label = el("label");
          var box = el("input");
          box.type = "checkbox";
          box.name = key;
          box.value = value;
          box.checked = (chosen[key] || []).indexOf(value) >= 0;
          box.addEventListener("change", update);
          var n = el("span", "pm-search-facet-count", String(all[key][value]));
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + value + " "));
          label.appendChild(n);
          fieldset.appendChild(label);
          boxes[key][value] = { input: box, count: n };
        });
        filtersBox.appendChild(fieldset);
      });
    }

    function selected() {
      if (!Object.keys(boxes).length) return chosen; // filter values not loaded yet: the URL's
      var out = {};
      Object.keys(boxes).forEach(function (key) {
        var values = Object.keys(boxes[key]).filter(function (v) { return boxes[key][v].input.checked; });
        if (values.length) out[key] = values;
      });
      return out;
    }

    function showMore() {
      var batch = current.results.slice(shown, shown + PAGE_RESULTS);
      shown += batch.length;
      var mine = pageSerial;
      return Promise.all(batch.map(function (r) { return r.data(); })).then(function (datas) {
        if (mine !== pageSerial) return;
        datas.forEach(function (data) { results.appendChild(resultItem(data, true)); });
        moreButton.hidden = shown >= current.results.length;
      });
    }

    function update() {
      var filters = selected();
      var sort = sortSelect.value;
      var text = query.value.trim();
      history.replaceState(null, "", pageUrl(text, filters, sort));
      var mine = ++pageSerial;
      var any = {};
      Object.keys(filters).forEach(function (key) { any[key] = { any: filters[key] }; });
      var options = { filters: any };
      if (sort) options.sort = { date: sort === "oldest" ? "asc" : "desc" };
      if (!text && !Object.keys(filters).length && !sort) {
        results.textContent = "";
        moreButton.hidden = true;
        status.textContent = "Type words to search, or pick filters.";
        return Promise.resolve();
      }
      status.textContent = "Searching…";
      return pagefind().then(function (pf) {
        return runSearch(pf, text || null, options);
      }).then(function (search) {
        if (mine !== pageSerial) return null;
        current = search;
        shown = 0;
        results.textContent = "";
        status.textContent = count(search.results.length);
        Object.keys(boxes).forEach(function (key) {
          Object.keys(boxes[key]).forEach(function (value) {
            var n = (search.filters && search.filters[key] && search.filters[key][value]) || 0;
            boxes[key][value].count.textContent = String(n);
          });
        });
        return showMore();
      }).catch(function (error) { if (mine === pageSerial) failed(status, error); });
    }

    var typingTimer = null;
    query.addEventListener("input", function () {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(update, 150);
    });
    sortSelect.addEventListener("change", update);
    page.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    moreButton.addEventListener("click", function () { showMore(); });
    page.querySelector(".pm-search-clear").addEventListener("click", function () {
      Object.keys(boxes).forEach(function (key) {
        Object.keys(boxes[key]).forEach(function (value) { boxes[key][value].input.checked = false; });
      });
      update();
    });
    page.hidden = false;
    // On a phone the filters fold away above the results until asked for (open if the URL sets some).
    if (window.matchMedia("(max-width: 44.9375em)").matches && !Object.keys(chosen).length) {
      page.querySelector(".pm-search-side").open = false;
    }
    // Results first (the query is in the URL), then the filter values, which cost a download.
    update().then(function () { return pagefind(); }).then(function (pf) { return pf.filters(); }).then(function (all) {
      buildFilters(all);
      return update(); // now with every filter loaded, the counts per value
    }).catch(function (error) { failed(status, error); });
  }

  var page = document.querySelector("[data-pm-search-page]");
  if (page) setupPage(page);

  // ---- Highlight the searched words on the page a result led to ----
  if (new URLSearchParams(location.search).has("highlight") && bundles.length) {
    import(bundles[0] + "pagefind-highlight.js").then(function () {
      if (window.PagefindHighlight) {
        new window.PagefindHighlight({ highlightParam: "highlight", markContext: "[data-pagefind-body]" });
      }
    }).catch(function () {});
  }
})();
