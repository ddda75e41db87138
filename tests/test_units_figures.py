"""recurrence.py, metrics.py and postmortem.py without a site: the figures on pattern and metrics pages."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from pydantic import ValidationError

from postmortem_archive.archive.actions import ActionReport, action_rows, later, quarter
from postmortem_archive.archive.metrics import DurationRow, Metrics, percentile
from postmortem_archive.archive.periods import Periods, periods
from postmortem_archive.archive.recurrence import pattern_stats
from postmortem_archive.core.taxonomy import Pattern
from units import TODAY, make, settings

P = Pattern(id="config-change", title="Config", description="d")
Q = Pattern(id="retry-storm", title="Retries", description="d")


def _with(pattern_ids, pm_id, date, **fields):
    return make(pm_id, date=date, patterns=pattern_ids, **fields)


# --- recurrence ---


def test_pattern_stats_in_taxonomy_order_newest_first_and_years_span_the_archive():
    pms = [
        _with(["config-change"], "b", "2022-05-01", services=["db", "api"]),
        _with(["config-change"], "a", "2024-01-10", services=["api"]),
        _with(["retry-storm"], "c", "2020-03-03"),
        _with(["config-change"], "d", "2024-01-10", services=["cache", "api", "db"]),
    ]
    stats = pattern_stats((Q, P), pms)
    assert [s.pattern.id for s in stats] == ["retry-storm", "config-change"]
    config = stats[1]
    assert [pm.id for pm in config.postmortems] == ["d", "a", "b"]  # newest first, same day: id descending
    assert config.span.labels == ("2020", "2021", "2022", "2023", "2024")
    assert config.count == 3
    assert (config.first_seen, config.last_seen) == (dt.date(2022, 5, 1), dt.date(2024, 1, 10))
    assert config.mean_interval_days == (dt.date(2024, 1, 10) - dt.date(2022, 5, 1)).days / 2
    assert config.per_period == [("2020", 0), ("2021", 0), ("2022", 1), ("2023", 0), ("2024", 2)]
    assert config.top_services == [("api", 3), ("db", 2), ("cache", 1)]


def test_pattern_never_seen_and_seen_once():
    never, once = pattern_stats((Q, P), [_with(["config-change"], "a", "2024-01-10")])
    assert (never.count, never.first_seen, never.last_seen, never.mean_interval_days) == (0, None, None, None)
    assert never.per_period == [("2024", 0)]
    assert once.mean_interval_days is None
    assert pattern_stats((P,), [])[0].span.labels == ()


def test_two_occurrences_have_one_interval():
    pms = [_with(["config-change"], "a", "2024-01-01"), _with(["config-change"], "b", "2024-01-31")]
    stats = pattern_stats((P,), pms)[0]
    assert (stats.first_seen, stats.last_seen) == (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert stats.mean_interval_days == 30.0


def test_pattern_sparklines_have_years_up_to_forty_then_decades():
    """A sparkline is a table cell: at most SPARK_BARS (40) bars."""
    forty = [_with(["config-change"], "a", "1985-06-01"), _with(["config-change"], "b", "2024-06-01")]
    labels = pattern_stats((P,), forty)[0].span.labels
    assert (len(labels), labels[0], labels[-1]) == (40, "1985", "2024")
    forty_one = [_with(["config-change"], "a", "1984-06-01"), _with(["config-change"], "b", "2024-06-01")]
    assert pattern_stats((P,), forty_one)[0].span.labels == ("1980s", "1990s", "2000s", "2010s", "2020s")


def test_top_services_keeps_five_and_breaks_ties_by_name():
    pms = [
        _with(["config-change"], "a", "2024-01-01", services=["f", "e", "d", "c", "b", "a", "z"]),
        _with(["config-change"], "b", "2024-01-02", services=["z"]),
    ]
    assert pattern_stats((P,), pms)[0].top_services == [("z", 2), ("a", 1), ("b", 1), ("c", 1), ("d", 1)]


def test_pattern_action_items_and_completion_rate():
    pms = [
        _with(["config-change"], "a", "2024-01-01", action_items=[{"title": "1", "status": "done"}]),
        _with(
            ["config-change"],
            "b",
            "2024-02-01",
            action_items=[{"title": "2", "status": "wont-fix"}, {"title": "3"}, {"title": "4", "status": "done"}],
        ),
        _with(["retry-storm"], "c", "2024-03-01", action_items=[{"title": "5"}]),
    ]
    stats = pattern_stats((P,), pms)[0]
    assert [(pm.id, item.title) for pm, item in stats.action_items] == [("b", "2"), ("b", "3"), ("b", "4"), ("a", "1")]
    assert stats.completion_rate == 2 / 3


# --- metrics ---


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 0.9, 46.0),
        ([1.0, 2.0], 0.0, 1.0),
        ([1.0, 2.0], 1.0, 2.0),
    ],
)
def test_percentile_interpolates_like_numpy(values, q, expected):
    assert percentile(values, q) == expected


def test_months_cross_years_and_include_both_ends():
    span = periods([dt.date(2024, 2, 1), dt.date(2023, 11, 30)])
    assert span == Periods("month", 2023 * 12 + 10, ("2023-11", "2023-12", "2024-01", "2024-02"))
    assert periods([dt.date(2024, 5, 1), dt.date(2024, 5, 31)]).labels == ("2024-05",)
    assert periods([]) == Periods("month", 0, ())


def test_the_finest_unit_with_at_most_so_many_periods():
    """240 months fit (twenty years); one more and it is years; centuries when nothing else fits."""
    twenty_years = [dt.date(2005, 1, 1), dt.date(2024, 12, 31)]
    assert (periods(twenty_years).unit, len(periods(twenty_years).labels)) == ("month", 240)
    assert periods([dt.date(2005, 1, 1), dt.date(2025, 1, 1)]).unit == "year"
    historical = periods([dt.date(1628, 8, 10), dt.date(1912, 4, 15), dt.date(2026, 11, 30)])
    assert (historical.unit, historical.labels[0], historical.labels[-1]) == ("decade", "1620s", "2020s")
    assert len(historical.labels) == 41, "not 4,800 months, nor 399 years"
    assert historical.counts([dt.date(1628, 8, 10), dt.date(1621, 1, 1), dt.date(2026, 1, 1)])[:2] == [2, 0]
    decades = periods([dt.date(1628, 8, 10), dt.date(2026, 11, 30)], finest="year", most=41)
    assert (decades.unit, decades.labels[0], decades.labels[-1], len(decades.labels)) == (
        "decade",
        "1620s",
        "2020s",
        41,
    )
    ends = periods([dt.date.min, dt.date.max])
    assert (ends.unit, ends.labels[0], ends.labels[-1], len(ends.labels)) == ("century", "0000-0099", "9900-9999", 100)
    assert periods([dt.date(999, 3, 1)]).labels == ("0999-03",), "four-digit years: labels sort as text"


def test_dates_at_the_end_of_the_calendar():
    assert later(dt.date(2024, 1, 1), 30) == dt.date(2024, 1, 31)
    assert later(dt.date(9999, 12, 1), 30) == dt.date.max
    assert quarter(dt.date(999, 5, 1)) == "0999-Q2"


def _metrics(pms):
    return Metrics(pms, ("SEV1", "SEV2", "SEV3"), ActionReport(action_rows(pms, settings()), TODAY))


def test_per_month_by_severity_aligned_with_months_and_only_severities_seen():
    pms = [
        make("a", date="2024-01-05", severity="SEV3"),
        make("b", date="2024-03-01", severity="SEV1"),
        make("c", date="2024-03-20", severity="SEV1"),
        make("d", date="2024-01-31", severity="SEV1"),
    ]
    m = _metrics(pms)
    assert m.periods.labels == ("2024-01", "2024-02", "2024-03")
    assert m.per_period() == {"SEV1": [1, 0, 2], "SEV3": [1, 0, 0]}
    assert list(m.per_period()) == ["SEV1", "SEV3"]  # most severe first, as configured
    assert _metrics([]).periods.labels == ()


def _timed(pm_id, date, minutes_to_detect, **fields):
    start = dt.datetime.fromisoformat(f"{date}T10:00:00+00:00")
    stamps = {"started": start.isoformat()}
    if minutes_to_detect is not None:
        stamps["detected"] = (start + dt.timedelta(minutes=minutes_to_detect)).isoformat()
    return make(pm_id, date=date, **stamps, **fields)


def test_durations_per_quarter_in_minutes_skip_unknown():
    pms = [
        _timed("a", "2024-01-05", 10),
        _timed("b", "2024-02-05", 30),
        _timed("c", "2024-03-05", 20),
        _timed("d", "2024-04-05", 5),
        _timed("e", "2024-04-06", None),
        make("f", date="2024-07-01"),
    ]
    assert _metrics(pms).durations("detect") == [
        DurationRow("2024-Q1", 3, 20.0, 28.0),
        DurationRow("2024-Q2", 1, 5.0, 5.0),
    ]


def test_top_counts_values_and_breaks_ties_by_name():
    pms = [make("a", tags=["db", "net"]), make("b", tags=["net", "api"]), make("c", tags=["zz"])]
    assert _metrics(pms).top("tags") == [("net", 2), ("api", 1), ("db", 1), ("zz", 1)]
    assert _metrics(pms).top("tags", limit=2) == [("net", 2), ("api", 1)]
    assert len(_metrics([make(str(i), tags=[f"t{i}"]) for i in range(12)]).top("tags")) == 10


# --- postmortem ---


def test_durations_run_from_the_start():
    pm = make(
        started="2024-03-12T14:02:00Z",
        detected="2024-03-12T14:09:00Z",
        mitigated="2024-03-12T14:40:00Z",
        resolved="2024-03-12T15:55:00Z",
    )
    assert pm.time_to_detect == dt.timedelta(minutes=7)
    assert pm.time_to_mitigate == dt.timedelta(minutes=38)
    assert pm.time_to_resolve == dt.timedelta(minutes=113)
    no_start = make(detected="2024-03-12T14:09:00Z")
    assert no_start.time_to_detect is None
    assert make(started="2024-03-12T14:02:00Z").time_to_resolve is None


def test_title_date_draft_and_people_names():
    pm = make(
        title="Payments down",
        date="2024-03-12",
        status="draft",
        people={
            "incident_commander": "Dana Smith",
            "scribe": "Lee Wong",
            "facilitator": "Ana Lopez",
            "responders": ["Sam Park", "Dana Smith"],
            "authors": ["Kim Lee"],
        },
        action_items=[{"title": "a", "owner": "Sam Park"}, {"title": "b", "owner": "Olu Ade"}, {"title": "c"}],
    )
    assert (pm.title, pm.date, pm.is_draft) == ("Payments down", dt.date(2024, 3, 12), True)
    assert pm.people_names == ["Dana Smith", "Lee Wong", "Ana Lopez", "Sam Park", "Kim Lee", "Olu Ade"]
    assert make(status="in-review").is_draft is False
    assert make(status="final").is_draft is False


def test_line_of_a_field_or_its_closest_parent():
    pm = make()
    pm = type(pm)(pm.id, pm.src_path, pm.meta, "", 9, {("title",): 2, ("action_items",): 5, ("action_items", 0): 6})
    assert pm.line_of(("title",)) == 2
    assert pm.line_of(("action_items", 0, "owner")) == 6
    assert pm.line_of(("action_items", 3)) == 5


def test_figures_and_postmortems_are_immutable_values():
    # Every page of a build reads the same objects: none may change one for the others.
    pm = make("a", date="2024-01-01", patterns=["config-change"])
    stats = pattern_stats((P,), [pm])[0]
    m = _metrics([pm])
    row = DurationRow("2024-Q1", 1, 2.0, 3.0)
    for value, field in ((stats, "years"), (m, "postmortems"), (row, "count"), (pm, "body")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
    for model, field in ((pm.meta, "title"), (pm.meta.people, "scribe")):
        with pytest.raises(ValidationError, match="frozen"):
            setattr(model, field, "x")
