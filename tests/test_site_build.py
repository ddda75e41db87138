"""Build a fixture archive and check every generated page, the header, links, search and nav."""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from urllib.parse import urljoin

import pytest

from conftest import Site, postmortem

FIXTURE = {
    "2023/2023-05-01-db-outage.md": postmortem(
        title="Database outage",
        date="2023-05-01",
        severity="SEV1",
        services=["payments-api", "postgres"],
        teams=["payments"],
        tags=["database"],
        started="2023-05-01T10:00:00Z",
        detected="2023-05-01T10:07:00Z",
        mitigated="2023-05-01T10:45:00Z",
        resolved="2023-05-01T12:30:00Z",
        impact={"users": 1200, "revenue": 5000, "description": "Payments failed."},
        people={"incident_commander": "Dana Smith", "responders": ["Sam Park"]},
        action_items=[
            {
                "title": "Alert on replication lag",
                "owner": "Sam Park",
                "due": "2023-06-01",
                "status": "done",
                "completed": "2023-05-20",
                "type": "monitoring",
                "priority": "P1",
                "ticket": "ZQX-9001",
            },
            {
                "title": "Retry writes on failover",
                "owner": "Dana Smith",
                "due": "2023-07-01",
                "status": "open",
                "ticket": "https://tickets.example.com/PAY-77",
            },
            {"title": "Quarterly failover drill", "owner": "Lee Wong", "due": "2027-01-01", "status": "in-progress"},
        ],
    ),
    "2024/2024-02-10-cache-stampede.md": postmortem(
        title="Cache stampede",
        date="2024-02-10",
        severity="SEV3",
        services=["Payments API", "redis"],
        teams=["platform"],
        tags=["caching", "database"],
        related=["2023-05-01-db-outage"],
    ),
    "2024/2024-09-09-dns.md": postmortem(
        title="DNS resolution failures",
        date="2024-09-09",
        severity="SEV2",
        services=["k8s"],
        teams=["platform", "payments"],
        tags=["dns"],
        status="in-review",
    ),
    "2025/2025-01-02-draft.md": postmortem(
        title="Unfinished draft",
        date="2025-01-02",
        severity="SEV4",
        status="draft",
        summary=None,
        services=["secret-service"],
        tags=["drafty"],
    ),
}
PUBLISHED = {"2023/2023-05-01-db-outage.md", "2024/2024-02-10-cache-stampede.md", "2024/2024-09-09-dns.md"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("archive"))
    for path, text in FIXTURE.items():
        site.add(path, text)
    site.build()
    return site


def page_url(src_uri: str) -> str:
    return src_uri.removesuffix(".md") + "/"


def rows(built: Site, url: str) -> list[dict[str, str]]:
    soup = built.html(url)
    table = soup.select_one("table.pm-table")
    assert table is not None, f"no incident table on {url}"
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    return [
        dict(zip(headers, (td.get_text(" ", strip=True) for td in tr.select("td")), strict=True))
        for tr in table.select("tbody tr")
    ]


def test_incidents_lists_published_postmortems_newest_first(built: Site) -> None:
    listed = rows(built, "incidents/")
    assert [r["Title"] for r in listed] == ["DNS resolution failures", "Cache stampede", "Database outage"]
    assert listed[2] == {
        "Date": "2023-05-01",
        "Title": "Database outage",
        "Severity": "SEV1",
        "Services": "payments-api postgres",
        "Teams": "payments",
        "Status": "Final",
        "Time to resolve": "2 h 30 min",
    }
    assert listed[0]["Status"] == "In review"


def test_incident_rows_json_carries_filter_data(built: Site) -> None:
    soup = built.html("incidents/")
    data = json.loads((built.site / "incidents" / "rows.json").read_text(encoding="utf-8"))
    facets = data["facets"]
    rows = [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]
    titles = [a.get_text() for a in soup.select("table.pm-table tbody td:nth-of-type(2) a")]
    assert [r["title"] for r in rows] == titles  # every row, in the static pages' order
    row = rows[1]
    assert [facets["services"][i][0] for i in row["services"]] == ["payments-api", "redis"]
    assert [facets["tags"][i][0] for i in row["tags"]] == ["caching", "database"]
    assert facets["severity"][row["severity"]][:2] == ["sev3", "SEV3"]
    assert (row["date"], row["url"], row["status"]) == ("2024-02-10", "2024/2024-02-10-cache-stampede/", "final")
    assert facets["services"][row["services"][0]][2] == "services/payments-api/"
    form = soup.select_one("form.pm-filters")
    assert form.has_attr("hidden"), "filters need JS: hidden until the script shows them"
    options = {s["name"]: [o.get_text() for o in s.select("option")] for s in form.select("select")}
    assert options["services"] == ["All", "k8s (1)", "payments-api (2)", "postgres (1)", "redis (1)"]
    assert options["severity"] == ["All", "SEV1 (1)", "SEV2 (1)", "SEV3 (1)"]
    assert options["years"] == ["All", "2024 (2)", "2023 (1)"]


def test_every_link_on_generated_pages_resolves(built: Site) -> None:
    generated = ["incidents/"] + [f"{f}/" for f in ("tags", "services", "teams", "severity", "years")]
    seen: set[str] = set()
    queue = list(generated) + [page_url(p) for p in PUBLISHED]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        for a in built.html(url).select("article a[href]"):
            href = a["href"]
            if href.startswith(("http", "#")) or a.get("class") == ["headerlink"]:
                continue
            target = posixpath.normpath(urljoin("/" + url, href.split("#")[0])).lstrip("/")
            target_file = built.site / target / "index.html" if not target.endswith(".html") else built.site / target
            assert target_file.is_file(), f"{url}: broken link {href}"
            if target_file.name == "index.html" and target.split("/")[0] in {
                "tags",
                "services",
                "teams",
                "severity",
                "years",
                "incidents",
                "2023",
                "2024",
            }:
                queue.append(target.rstrip("/") + "/")
    assert "tags/database/" in seen and "services/payments-api/" in seen and "teams/platform/" in seen


def test_facet_indexes_count_each_value(built: Site) -> None:
    def counts(url: str) -> dict[str, int]:
        return {
            li.a.get_text(): int(li.select_one(".pm-count").get_text())
            for li in built.html(url).select(".pm-facet-list li")
        }

    assert counts("tags/") == {"caching": 1, "database": 2, "dns": 1}
    # 'Payments API' and 'payments-api' are the same service: one page, first spelling seen wins.
    assert counts("services/") == {"k8s": 1, "payments-api": 2, "postgres": 1, "redis": 1}
    assert counts("teams/") == {"payments": 2, "platform": 2}
    assert counts("severity/") == {"SEV1": 1, "SEV2": 1, "SEV3": 1}
    assert counts("years/") == {"2024": 2, "2023": 1}


def test_facet_pages_list_their_incidents(built: Site) -> None:
    assert [r["Title"] for r in rows(built, "tags/database/")] == ["Cache stampede", "Database outage"]
    assert [r["Title"] for r in rows(built, "teams/payments/")] == ["DNS resolution failures", "Database outage"]
    assert [r["Title"] for r in rows(built, "severity/sev1/")] == ["Database outage"]
    assert [r["Title"] for r in rows(built, "years/2024/")] == ["DNS resolution failures", "Cache stampede"]
    lead = built.html("tags/database/").select_one(".pm-lead").get_text(" ", strip=True)
    assert "2 postmortems, from 2023-05-01 to 2024-02-10" in lead
    assert built.html("tags/database/").title.get_text() == "Tag: database - Fixture archive"


def test_metadata_header(built: Site, text_of) -> None:
    soup = built.html("2023/2023-05-01-db-outage/")
    header = soup.select_one(".pm-header")
    meta = {
        dt.get_text(strip=True): dd.get_text(" ", strip=True)
        for dt, dd in zip(header.select("dt"), header.select("dd"), strict=True)
    }
    assert meta["Time to detect"] == "7 min"
    assert meta["Time to mitigate"] == "45 min"
    assert meta["Time to resolve"] == "2 h 30 min"
    assert meta["Started"] == "2023-05-01 10:00 UTC"
    assert meta["Incident commander"] == "Dana Smith"
    assert meta["Responders"] == "Sam Park"
    assert meta["Impact"] == "1,200 users affected · 5,000 USD revenue impact · Payments failed."
    assert {a.get_text(): a["href"] for a in header.select("dd a")} == {
        "payments-api": "../../services/payments-api/",
        "postgres": "../../services/postgres/",
        "payments": "../../teams/payments/",
        "database": "../../tags/database/",
    }
    assert header.select_one(".pm-sev").get_text() == "SEV1"
    assert soup.select_one("h1").get_text() == "Database outage"


def test_action_items_show_status_and_overdue(built: Site) -> None:
    table = built.html("2023/2023-05-01-db-outage/").select_one("table.pm-actions")
    items = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]
    assert items[0] == [
        "Alert on replication lag",
        "Sam Park",
        "2023-06-01",
        "done (2023-05-20)",
        "monitoring",
        "P1",
        "ZQX-9001",
    ]
    assert items[1][3] == "open overdue"  # due 2023-07-01, today pinned to 2026-11-23
    assert items[2][3] == "in-progress"  # due in 2027
    assert table.select("tbody tr")[1].select_one("td:last-child a")["href"] == "https://tickets.example.com/PAY-77"
    assert "1 of 3 closed" in table.caption.get_text()


def test_search_finds_front_matter_only_words(built: Site) -> None:
    records = built.pagefind_records()
    hits = {r["url"] for r in records if "ZQX-9001" in r["content"]}
    assert hits == {"/2023/2023-05-01-db-outage/"}
    owner_hits = {r["url"] for r in records if "Lee Wong" in r["content"]}
    assert owner_hits == {"/2023/2023-05-01-db-outage/"}
    # listings are not indexed: a search hit should be the postmortem itself
    assert sorted(r["url"] for r in records) == sorted("/" + p.removesuffix(".md") + "/" for p in PUBLISHED)


def test_drafts_are_excluded_by_default(built: Site) -> None:
    assert not (built.site / "2025" / "2025-01-02-draft").exists()
    assert not (built.site / "tags" / "drafty").exists()
    assert "Unfinished draft" not in (built.site / "incidents" / "index.html").read_text()
    assert not [r for r in built.pagefind_records() if "secret-service" in r["content"]]
    assert "2025-01-02-draft" not in (built.site / "sitemap.xml").read_text()


def test_drafts_can_be_included_and_are_marked(site: Site) -> None:
    for path, text in FIXTURE.items():
        site.add(path, text)
    site.plugin_options["drafts"] = "include"
    site.build()
    listed = rows(site, "incidents/")
    assert {"Title": "Unfinished draft", "Status": "Draft"}.items() <= listed[0].items()
    assert site.html("2025/2025-01-02-draft/").select_one(".pm-status-draft").get_text() == "Draft"


def test_related_links_both_directions(built: Site) -> None:
    def related(url: str) -> list[str]:
        return [a.get_text() for a in built.html(url).select(".pm-related a")]

    assert related("2024/2024-02-10-cache-stampede/") == ["Database outage"]
    assert related("2023/2023-05-01-db-outage/") == ["Cache stampede"]
    assert related("2024/2024-09-09-dns/") == []


def test_nav_holds_index_pages_not_postmortems(built: Site) -> None:
    nav = built.html("incidents/").select_one("nav.md-nav--primary")
    titles = [a.get_text(" ", strip=True) for a in nav.select("a.md-nav__link")]
    assert titles[:10] == [
        "Fixture archive",
        "Incidents",
        "Failure patterns",
        "Action items",
        "Metrics",
        "Services",
        "Teams",
        "Tags",
        "Severity",
        "Years",
    ]
    hrefs = " ".join(a["href"] for a in nav.select("a[href]"))
    assert "2023-05-01-db-outage" not in hrefs and "tags/database" not in hrefs
    assert Counter(titles)["Incidents"] == 1


def test_assets_are_linked(built: Site) -> None:
    soup = built.html("incidents/")
    assert any(s.get("src", "").endswith("assets/postmortems/archive.js") for s in soup.select("script"))
    assert (built.site / "assets" / "postmortems" / "archive.css").is_file()


def test_site_can_override_a_template(site: Site) -> None:
    for path, text in FIXTURE.items():
        site.add(path, text)
    override = site.root / "overrides" / "postmortems" / "facet_index.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        '<div class="my-facets">{% for v in facet.values %}<a href="{{ link(facet_page(facet.key, v.slug)) }}">'
        "{{ v.name }}={{ v.count }}</a> {% endfor %}</div>\n"
    )
    site.extra_config["theme"] = {"name": "material", "font": False, "custom_dir": "overrides"}
    site.build()
    links = site.html("tags/").select(".my-facets a")
    assert [a.get_text() for a in links] == ["caching=1", "database=2", "dns=1"]
    assert links[0]["href"] == "../tags/caching/"
    assert site.html("incidents/").select_one("table.pm-table") is not None  # the others are the package's


def test_explicit_nav_is_kept_without_postmortems(site: Site) -> None:
    for path, text in FIXTURE.items():
        site.add(path, text)
    site.extra_config["nav"] = ["index.md", {"All incidents": "incidents/index.md"}, "2023/2023-05-01-db-outage.md"]
    site.build()
    nav = site.html("").select_one("nav.md-nav--primary")
    assert [a.get_text(" ", strip=True) for a in nav.select("a.md-nav__link")] == ["Fixture archive", "All incidents"]


def test_links_resolve_without_directory_urls(site: Site) -> None:
    for path, text in FIXTURE.items():
        site.add(path, text)
    site.extra_config["use_directory_urls"] = False
    site.build()
    checked = 0
    for page in [
        "incidents/index.html",
        "tags/database.html",
        "2023/2023-05-01-db-outage.html",
        "patterns/dns.html",
        "action-items/index.html",
        "metrics/index.html",
    ]:
        soup = site.html(page)
        for a in soup.select("article a[href]"):
            href = a["href"].split("#")[0].split("?")[0]
            if not href or href.startswith(("http", "mailto")):
                continue
            target = (site.site / page).parent / href
            assert target.resolve().is_file(), f"{page}: broken link {a['href']}"
            checked += 1
    assert checked > 20


def test_empty_archive_builds_every_page(site: Site, text_of) -> None:
    """A new archive without a postmortem yet: every generated page builds (charts say "No data")."""
    site.build()
    metrics = text_of(site.html("metrics/"))
    assert "0 published postmortems" in metrics
    assert "No data" in metrics
    assert "0 postmortems" in text_of(site.html("incidents/"))
    assert "No postmortem is published yet" in text_of(site.html(""))
    assert json.loads((site.site / "postmortems.json").read_text(encoding="utf-8"))["postmortems"] == []
