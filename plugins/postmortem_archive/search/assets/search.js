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
  var searchPage = new URL(box.getAttribute("data-pm-page") || "search/", location.href);
  var bundles = (box.getAttribute("data-pm-bundles") || "").split(" ").filter(Boolean).map(function (url) {
    return new URL(url, location.href).href;
  });
  // The site root: two levels above a bundle (pagefind/<bundle>/), where the index really is.
  // Otherwise the theme's base URL: "." or "../.." on a page, but root-absolute ("/" or
  // "/postmortems/") on the 404 page, which MkDocs renders for any address; "/" + "/" would be
  // "//", a protocol-relative URL naming no host.
  var root = box.getAttribute("data-pm-root") || ".";
  var siteRoot = bundles.length ? new URL("../../", bundles[0]) : new URL(/\/$/.test(root) ? root : root + "/", location.href);
  // Each shown result costs a fragment download (~3 KB): the search page shows results in batches
  // of 6 as the reader scrolls to them (as Material's does), the header its first 6.
  var HEADER_RESULTS = 6;
  var PAGE_RESULTS = 6;
  var FILTERS = [
    ["severity", "Severity"], ["status", "Status"], ["year", "Year"],
    ["service", "Service"], ["team", "Team"], ["pattern", "Failure pattern"]
  ];

  // Under mkdocs serve the index is built after the pages: until pagefind/ready.json exists a
  // search says so, and its results show once the index is there (no reload needed).
  var BUILDING = "The search index is being built (mkdocs serve); results will show here when it is ready.";
  var indexReady = !box.hasAttribute("data-pm-pending");
  var readyNotices = [];
  function whenReady() {
    if (indexReady) return Promise.resolve();
    return new Promise(function (resolve) {
      (function poll() {
        fetch(new URL("pagefind/ready.json", siteRoot).href, { cache: "no-store" }).then(function (response) {
          return response.ok;
        }, function () { return false; }).then(function (ok) {
          if (ok) {
            indexReady = true;
            resolve();
          } else {
            readyNotices.forEach(function (show) { show(); });
            setTimeout(poll, 1000);
          }
        });
      })();
    });
  }

  var loading = null;
  function pagefind() {
    // Loaded on first use only: a page view that does not search downloads none of it.
    if (!loading) {
      if (box.hasAttribute("data-pm-unindexed")) {
        loading = Promise.reject(notice("Search is off under mkdocs serve (plugin option search_on_serve: false)."));
      } else if (!bundles.length) {
        loading = Promise.reject(notice("Nothing to search yet: no postmortem is published."));
      } else {
        loading = whenReady().then(function () {
          return import(bundles[0] + "pagefind.js");
        }).then(function (pf) {
          var opts = { baseUrl: siteRoot.pathname, highlightParam: "highlight", excerptLength: 24 };
          return pf.options(Object.assign({ noWorker: true }, opts)).then(function () {
            return Promise.all(bundles.slice(1).map(function (url) { return pf.mergeIndex(url, opts); }));
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

  // Files the plugin writes beside the bundles (search.py): fetched when needed, revalidated so
  // they always match the bundles of the same build. `optional`: a missing file reads as {}.
  var fetched = {};
  function siteFile(name, optional) {
    if (!fetched[name]) {
      fetched[name] = fetch(new URL("pagefind/" + name, siteRoot).href, { cache: "no-cache" }).then(function (response) {
        if (optional && response.status === 404) return {};
        if (!response.ok) throw new Error(name + ": HTTP " + response.status);
        return response.json();
      });
      fetched[name].catch(function () { delete fetched[name]; });
    }
    return fetched[name];
  }

  // Page ids are "<tag>_<number>", numbered across the site.
  function pageNumber(result) {
    return parseInt(result.id.slice(result.id.lastIndexOf("_") + 1), 36);
  }

  // Pagefind matches every word as a prefix and may rank OPS-10000 above OPS-1000. The plugin
  // lists, for each whole id that prefixes a longer one, the pages holding it exactly
  // (pagefind/exact-<shard>.json, shard = FNV-1a of the token mod 64, as pagefind.py computes).
  var EXACT_SHARDS = 64;
  function exactPages(term) {
    var token = String(term || "").trim().toLowerCase().replace(/^[._-]+|[._-]+$/g, "");
    if (!/^[0-9a-z][0-9a-z._-]{2,}$/.test(token)) return Promise.resolve([]);
    var hash = 0x811c9dc5;
    for (var i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
    return siteFile("exact-" + ((hash >>> 0) % EXACT_SHARDS) + ".json", true).then(function (map) {
      return Object.prototype.hasOwnProperty.call(map, token) ? map[token] : [];
    }, function () { return []; }); // without the list, Pagefind's own order
  }

  // The pages holding the whole token first, each group in Pagefind's order.
  function exactFirst(search, numbers) {
    if (!numbers.length) return search;
    var exact = {};
    numbers.forEach(function (n) { exact[n] = true; });
    var first = [], rest = [];
    search.results.forEach(function (r) { (exact[pageNumber(r)] ? first : rest).push(r); });
    search.results = first.concat(rest);
    return search;
  }

  // date-order.json lists the page numbers oldest first. Only a search sorted by date downloads
  // it. Pages without a date come last.
  function runSearch(pf, term, options) {
    var sort = options.sort;
    var plain = { filters: options.filters };
    if (!sort) {
      return Promise.all([pf.search(term, plain), exactPages(term)]).then(function (both) {
        return exactFirst(both[0], both[1]);
      });
    }
    return Promise.all([pf.search(term, plain), siteFile("date-order.json")]).then(function (both) {
      var search = both[0];
      var rank = {};
      both[1].forEach(function (number, i) { rank[number] = i; });
      var last = sort === "oldest" ? both[1].length : -1;
      function key(result) {
        var number = pageNumber(result);
        return number in rank ? rank[number] : last;
      }
      search.results.sort(function (a, b) { return sort === "oldest" ? key(a) - key(b) : key(b) - key(a); });
      return search;
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
    if (!indexReady) meta.textContent = BUILDING;
    pagefind().then(function (pf) {
      return runSearch(pf, query, {});
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

  readyNotices.push(function () {
    if (input.value.trim() && !list.childElementCount) meta.textContent = BUILDING;
  });
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

    var totals = {}; // facets.json: postmortems per filter value in the whole archive
    var perQuery = null; // the latest search's counts, once the filter data is loaded
    var countsLoading = null;
    var caption = el("p", "pm-search-counts");

    function buildFilters(all) {
      filtersBox.textContent = "";
      filtersBox.appendChild(caption);
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

    var moreLoading = null; // the batch under way, and the search it belongs to
    var moreSerial = -1;
    function showMore() {
      if (moreLoading && moreSerial === pageSerial) return moreLoading;
      var batch = current.results.slice(shown, shown + PAGE_RESULTS);
      shown += batch.length;
      var mine = moreSerial = pageSerial;
      var loading = Promise.all(batch.map(function (r) { return r.data(); })).then(function (datas) {
        if (moreLoading === loading) moreLoading = null;
        if (mine !== pageSerial) return;
        datas.forEach(function (data) { results.appendChild(resultItem(data, true)); });
        moreButton.hidden = shown >= current.results.length;
        if (!moreButton.hidden && moreVisible) showMore(); // the button is still in view
      });
      moreLoading = loading;
      return loading;
    }
    // The next batch when the "More results" button scrolls into view.
    var moreVisible = false;
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        moreVisible = entries[entries.length - 1].isIntersecting;
        if (moreVisible && current && !moreButton.hidden) showMore();
      }).observe(moreButton);
    }

    function update() {
      var filters = selected();
      var sort = sortSelect.value;
      var text = query.value.trim();
      history.replaceState(null, "", pageUrl(text, filters, sort));
      var mine = ++pageSerial;
      var any = {};
      Object.keys(filters).forEach(function (key) { any[key] = { any: filters[key] }; });
      var options = { filters: any, sort: sort };
      if (!text && !Object.keys(filters).length && !sort) {
        results.textContent = "";
        moreButton.hidden = true;
        status.textContent = "Type words to search, or pick filters.";
        return Promise.resolve();
      }
      status.textContent = indexReady ? "Searching…" : BUILDING;
      return pagefind().then(function (pf) {
        return runSearch(pf, text || null, options);
      }).then(function (search) {
        if (mine !== pageSerial) return null;
        current = search;
        shown = 0;
        results.textContent = "";
        status.textContent = count(search.results.length);
        if (countsLoading && countsLoading.done) perQuery = search.filters || {};
        showCounts();
        return showMore();
      }).catch(function (error) { if (mine === pageSerial) failed(status, error); });
    }

    // Counts beside the filter values: the whole archive's (facets.json, a few KB) until the reader
    // reaches for the filters; then Pagefind's filter data of every bundle is loaded (at 10,000
    // postmortems ~170 KB, more than the search itself), and the counts follow the search.
    function showCounts() {
      caption.textContent = perQuery ? "Counts: matching postmortems" : "Counts: all postmortems";
      Object.keys(boxes).forEach(function (key) {
        Object.keys(boxes[key]).forEach(function (value) {
          var n = perQuery ? (perQuery[key] && perQuery[key][value]) || 0 : totals[key][value];
          boxes[key][value].count.textContent = String(n);
        });
      });
    }

    function loadCounts() {
      if (countsLoading) return;
      countsLoading = pagefind().then(function (pf) { return pf.filters(); }).then(function () {
        countsLoading.done = true;
        return update();
      });
      countsLoading.catch(function (error) { failed(status, error); });
    }

    var side = page.querySelector(".pm-search-side");
    ["pointerenter", "focusin", "touchstart"].forEach(function (name) {
      side.addEventListener(name, loadCounts, { passive: true });
    });
    side.addEventListener("toggle", function () { if (side.open) loadCounts(); });

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
      side.open = false;
    }
    // The results (the query is in the URL) and the filter values at once.
    update();
    siteFile("facets.json").then(function (all) {
      totals = all;
      buildFilters(all);
      showCounts();
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
