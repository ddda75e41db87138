"""Failure patterns, recurrence figures, related incidents and `postmortem related`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections import Counter

import pytest

from conftest import POSTMORTEM, REPO, Site, postmortem
from postmortem_archive.cli.common import collect
from postmortem_archive.core.loader import load_all, load_one
from postmortem_archive.core.settings import Settings
from postmortem_archive.core.taxonomy import DEFAULT_PATTERNS

# (file, date, severity, services, patterns, tags, action-item statuses)
INCIDENTS = [
    ("2021/2021-02-01-a.md", "2021-02-01", "SEV2", ["api", "db"], ["config-change"], ["x"], ["done", "open"]),
    ("2022/2022-06-15-b.md", "2022-06-15", "SEV1", ["api"], ["config", "failover"], ["y"], ["done"]),
    ("2023/2023-01-10-c.md", "2023-01-10", "SEV3", ["db"], ["config-change", "dns"], ["x", "y"], ["wont-fix", "done"]),
    ("2024/2024-04-20-d.md", "2024-04-20", "SEV2", ["cache"], ["retry-storm"], ["z"], ["in-progress"]),
    ("2024/2024-09-09-e.md", "2024-09-09", "SEV4", ["api", "cache"], ["config-change", "retry-storm"], [], []),
]


def _write(site: Site) -> None:
    for path, date, sev, services, patterns, tags, statuses in INCIDENTS:
        items = [
            {"title": f"item {i}", "owner": "Owner One", "due": "2025-01-01", "status": s}
            for i, s in enumerate(statuses)
        ]
        related = ["2021-02-01-a"] if path.endswith("-c.md") else []
        site.add(
            path,
            postmortem(
                title=f"Incident {path[-4]}",
                date=date,
                severity=sev,
                services=services,
                patterns=patterns,
                tags=tags,
                action_items=items,
                related=related,
            ),
        )
    site.add("patterns/retry-storm.md", "# Retry storms\n\nHand-written: use jitter.\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("patterns"))
    _write(site)
    site.build()
    return site


def expected(pattern_id: str, aliases: tuple[str, ...] = ()) -> dict[str, object]:
    """Figures for a pattern computed straight from INCIDENTS, independently of the plugin."""
    names = {pattern_id, *aliases}
    hits = sorted((row for row in INCIDENTS if names & set(row[4])), key=lambda r: r[1], reverse=True)
    dates = [dt.date.fromisoformat(r[1]) for r in hits]
    statuses = [s for r in hits for s in r[6]]
    counted = [s for s in statuses if s != "wont-fix"]
    services = Counter(s for r in hits for s in r[3])
    return {
        "titles": [f"Incident {r[0][-4]}" for r in hits],
        "count": len(hits),
        "first": min(dates).isoformat(),
        "last": max(dates).isoformat(),
        "interval": round((max(dates) - min(dates)).days / (len(hits) - 1)) if len(hits) > 1 else None,
        "rate": f"{sum(s == 'done' for s in counted) / len(counted):.0%}" if counted else "—",
        "services": sorted(services.items(), key=lambda kv: (-kv[1], kv[0])),
    }


def figures(built: Site, pattern_id: str) -> dict[str, str]:
    dl = built.html(f"patterns/{pattern_id}/").select_one("dl.pm-recurrence")
    return {
        dt_.get_text(): dd.get_text(" ", strip=True) for dt_, dd in zip(dl.select("dt"), dl.select("dd"), strict=True)
    }


@pytest.mark.parametrize("pattern_id,aliases", [("config-change", ("config",)), ("retry-storm", ()), ("dns", ())])
def test_pattern_page_figures(built: Site, pattern_id: str, aliases: tuple[str, ...]) -> None:
    want = expected(pattern_id, aliases)
    soup = built.html(f"patterns/{pattern_id}/")
    titles = [
        a.get_text() for a in soup.select(".pm-pattern-details table.pm-incident-table tbody td:nth-of-type(2) a")
    ]
    assert titles == want["titles"]
    got = figures(built, pattern_id)
    assert got["Incidents"] == str(want["count"])
    assert got["First seen"] == want["first"] and got["Last seen"] == want["last"]
    if want["interval"] is None:
        assert "Mean time between occurrences" not in got
    else:
        assert got["Mean time between occurrences"] == f"{want['interval']} days"
    services = soup.select("dl.pm-recurrence dd a.pm-chip")
    counts = [int(a.find_next_sibling("span").get_text()) for a in services]
    assert list(zip([a.get_text() for a in services], counts, strict=True)) == want["services"]
    if want["rate"] != "—":
        assert got["Action items"].endswith(f"completion rate {want['rate']}")


def test_patterns_index_counts_and_sparklines(built: Site) -> None:
    rows = built.html("patterns/").select("table.pm-patterns tbody tr")
    table = {r.select_one("a").get_text(): [td.get_text(strip=True) for td in r.select("td")] for r in rows}
    assert len(table) == len(DEFAULT_PATTERNS)
    assert table["Configuration change"][1:3] == ["4", "2024-09-09"]  # b uses the alias `config`
    assert table["Retry storm"][1:3] == ["2", "2024-09-09"]
    assert table["Migration"][1:3] == ["0", ""]
    spark = rows[0].select_one("svg")
    assert spark.title.get_text() == "2021: 1, 2022: 1, 2023: 1, 2024: 1"  # config-change, most frequent first
    assert [r.select_one("a").get_text() for r in rows][:2] == ["Configuration change", "Retry storm"]


def test_handwritten_pattern_page_keeps_its_text_and_gains_the_figures(built: Site) -> None:
    soup = built.html("patterns/retry-storm/")
    assert soup.select_one("h1").get_text().startswith("Retry storms")
    text = soup.select_one("article").get_text(" ", strip=True)
    assert "Hand-written: use jitter." in text
    assert (
        text.index("Clients retried failed requests") < text.index("Hand-written") < text.index("Incidents with this")
    )


def test_postmortem_links_its_patterns(built: Site) -> None:
    header = built.html("2022/2022-06-15-b/").select_one(".pm-header")
    links = {a.get_text(): a["href"] for a in header.select("a.pm-pattern")}
    # 'config' is an alias: the page links the canonical pattern.
    assert links == {"Configuration change": "../../patterns/config-change/", "Failover": "../../patterns/failover/"}


def test_related_section(built: Site) -> None:
    def section(url: str) -> tuple[list[str], list[str]]:
        soup = built.html(url)
        explicit = [a.get_text() for a in soup.select(".pm-related-explicit a")]
        similar = [li.get_text(" ", strip=True) for li in soup.select(".pm-related-similar li")]
        return explicit, similar

    explicit, similar = section("2021/2021-02-01-a/")
    assert explicit == ["Incident c"]  # c names a in `related:`; shown on a too
    # b: pattern 3 + service api 2 = 5; e: pattern 3 + api 2 = 5 (newer first); c is explicit, left out.
    assert [s.split(" 20")[0] for s in similar] == ["Incident e", "Incident b"]
    assert similar[0].endswith("same pattern: Configuration change, same service: api")
    explicit, similar = section("2023/2023-01-10-c/")
    assert explicit == ["Incident a"]
    # b: pattern 3 + tag y 1 = 4; e: pattern 3 = 3; d shares nothing.
    assert [s.split(" 20")[0] for s in similar] == ["Incident b", "Incident e"]
    assert similar[0].endswith("same pattern: Configuration change, same tag: y")


def test_unknown_pattern_lists_the_known_ones() -> None:
    [problem] = load_one("2024/x.md", postmortem(patterns=["dns", "gremlins"]).encode(), Settings())
    assert str(problem).startswith(
        "2024/x.md:9: patterns[1]: unknown pattern 'gremlins'; known patterns: config-change,"
    )
    assert "migration" in problem.message


def test_human_error_is_rejected_as_a_factor() -> None:
    text = postmortem(contributing_factors=["Timeouts too long", "Human error during deploy"])
    [problem] = load_one("2024/x.md", text.encode(), Settings())
    assert problem.field == "contributing_factors[1]"
    assert "where an investigation starts, not where it ends" in problem.message


def test_site_taxonomy_extends_the_defaults(site: Site) -> None:
    (site.root / "patterns.yml").write_text(
        "- id: gremlins\n  title: Gremlins\n  description: Unexplained behaviour.\n  aliases: [mystery]\n"
    )
    site.plugin_options["patterns"] = "patterns.yml"
    site.add("2024/2024-01-01-x.md", postmortem(patterns=["mystery"], contributing_factors=["gremlins", "Cold"]))
    site.build()
    header = site.html("2024/2024-01-01-x/").select_one(".pm-header")
    assert [a.get_text() for a in header.select("a.pm-pattern")] == ["Gremlins", "Gremlins"]  # pattern + factor
    assert [li.get_text() for li in header.select(".pm-factors li")] == ["Gremlins", "Cold"]
    assert (site.site / "patterns" / "dns" / "index.html").is_file()


def test_unknown_handwritten_pattern_page_warns(site: Site) -> None:
    site.add("2024/2024-01-01-x.md", postmortem())
    site.add("patterns/not-a-pattern.md", "# Nope\n")
    message = site.build_error_or_warning()
    assert "patterns/not-a-pattern.md: no pattern with the id 'not-a-pattern'" in message


def test_example_archive_has_recurring_patterns() -> None:
    settings = Settings()
    postmortems = load_all(collect(REPO / "postmortems", settings), settings)
    counts = Counter(p for pm in postmortems for p in pm.meta.patterns)
    assert len([p for p, n in counts.items() if n >= 3]) >= 3, counts


def test_related_command(built: Site) -> None:
    (built.root / "services.yml").write_text('api: ["src/api/**"]\ncache: ["infra/cache/*.tf"]\n')

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*POSTMORTEM, "related", *args], cwd=built.root, capture_output=True, text=True, check=False
        )

    result = run("--service", "cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-09-09  SEV4  Incident e",
        "    https://postmortems.example.com/2024/2024-09-09-e/  (cache)",
        "2024-04-20  SEV2  Incident d",
        "    https://postmortems.example.com/2024/2024-04-20-d/  (cache)",
    ]
    result = run("--paths", "src/api/handlers/pay.py infra/cache/main.tf", "--format", "json")
    data = json.loads(result.stdout)
    assert data["services"] == ["api", "cache"]
    assert [row["id"] for row in data["incidents"]] == ["2024-09-09-e", "2024-04-20-d", "2022-06-15-b", "2021-02-01-a"]
    assert run("--paths", "docs/readme.md").stdout.strip() == "No past incidents for these paths."
    missing = run()
    assert missing.returncode == 2 and missing.stderr.startswith("error: give --service NAME or --paths")
