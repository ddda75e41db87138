"""actions.py without a site: effective due dates and priorities, overdue state, order, tallies, rates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from postmortem_archive.archive.actions import (
    ActionReport,
    Tally,
    action_row,
    action_rows,
    completion_rate,
    quarter,
    rate,
)
from units import TODAY, make, settings

DAY = dt.timedelta(days=1)


def row(item: dict, **pm_fields: object):
    pm = make(action_items=[item], **pm_fields)
    return action_row(pm, 0, pm.meta.action_items[0], settings())


def test_due_date_defaults_to_the_severity_slo():
    r = row({"title": "t"}, severity="SEV1", date="2024-03-12")
    assert (r.due, r.due_is_default) == (dt.date(2024, 3, 27), True)  # SEV1: 15 days
    r = row({"title": "t"}, severity="SEV4", date="2024-03-12")
    assert (r.due, r.due_is_default) == (dt.date(2024, 6, 10), True)  # SEV4: 90 days


def test_written_due_date_wins_and_is_not_a_default():
    r = row({"title": "t", "due": "2030-01-02"}, severity="SEV1")
    assert (r.due, r.due_is_default) == (dt.date(2030, 1, 2), False)


def test_severity_without_slo_leaves_due_empty():
    pm = make(action_items=[{"title": "t"}], severity="SEV2")
    r = action_row(pm, 0, pm.meta.action_items[0], settings(action_slo_days={"SEV1": 15}))
    assert (r.due, r.due_is_default, r.overdue, r.days_overdue) == (None, False, False, 0)


def test_priority_defaults_to_the_type_and_written_priority_wins():
    r = row({"title": "t", "type": "mitigation"})
    assert (r.priority, r.priority_is_default) == ("P0", True)
    r = row({"title": "t", "type": "architecture"})
    assert (r.priority, r.priority_is_default) == ("P3", True)
    r = row({"title": "t", "type": "mitigation", "priority": "P2"})
    assert (r.priority, r.priority_is_default) == ("P2", False)
    r = row({"title": "t"})
    assert (r.priority, r.priority_is_default) == (None, False)


@pytest.mark.parametrize(
    ("due", "overdue", "days"),
    [(TODAY + DAY, False, 0), (TODAY, False, 0), (TODAY - DAY, True, 1), (TODAY - 10 * DAY, True, 10)],
)
def test_overdue_only_after_the_due_day(due, overdue, days):
    r = row({"title": "t", "due": due.isoformat()})
    assert (r.overdue, r.days_overdue) == (overdue, days)


@pytest.mark.parametrize(
    ("status", "overdue"), [("open", True), ("in-progress", True), ("done", False), ("wont-fix", False)]
)
def test_only_open_items_are_overdue(status, overdue):
    r = row({"title": "t", "due": "2025-01-01", "status": status})
    assert r.overdue is overdue
    assert r.is_open is overdue
    assert r.days_overdue == ((TODAY - dt.date(2025, 1, 1)).days if overdue else 0)


def test_row_exposes_owner_team_and_position():
    pm = make(action_items=[{"title": "a"}, {"title": "b", "owner": "Sam Park", "team": "payments"}])
    r = action_row(pm, 1, pm.meta.action_items[1], settings())
    assert (r.owner, r.team, r.index, r.item.title, r.postmortem) == ("Sam Park", "payments", 1, "b", pm)


@pytest.mark.parametrize(
    ("status", "completed", "expected"),
    [
        ("done", "2024-06-10", True),  # exactly 90 days after 2024-03-12
        ("done", "2024-06-11", False),
        ("done", None, False),
        ("wont-fix", "2024-04-01", False),
    ],
)
def test_completed_within_90_days(status, completed, expected):
    item = {"title": "t", "status": status, **({"completed": completed} if completed else {})}
    assert row(item, date="2024-03-12").completed_within_90_days is expected


def test_order_overdue_longest_first_then_open_by_due_then_closed_newest_incident_first():
    a = make(
        "a",
        date="2024-01-01",
        action_items=[
            {"title": "a0 done", "status": "done"},
            {"title": "a1 overdue 5", "due": (TODAY - 5 * DAY).isoformat()},
            {"title": "a2 open no due"},
        ],
        severity="SEV9",
    )
    b = make(
        "b",
        date="2025-01-01",
        action_items=[
            {"title": "b0 overdue 30", "due": (TODAY - 30 * DAY).isoformat()},
            {"title": "b1 open later", "due": (TODAY + 9 * DAY).isoformat()},
            {"title": "b2 open sooner", "due": (TODAY + 2 * DAY).isoformat(), "status": "in-progress"},
            {"title": "b3 wont", "status": "wont-fix"},
        ],
    )
    c = make("c", date="2024-06-01", action_items=[{"title": "c0 done", "status": "done"}])
    s = settings(severities=("SEV1", "SEV2", "SEV9"))
    titles = [r.item.title for r in action_rows([a, b, c], s)]
    assert titles == [
        "b0 overdue 30",
        "a1 overdue 5",
        "b2 open sooner",
        "b1 open later",
        "a2 open no due",
        "b3 wont",
        "c0 done",
        "a0 done",
    ]


def test_order_ties_by_postmortem_id_then_position():
    due = (TODAY - 3 * DAY).isoformat()
    z = make("z", action_items=[{"title": "z0", "due": due}, {"title": "z1", "due": due}])
    y = make("y", action_items=[{"title": "y0", "due": due}, {"title": "y1", "due": due}])
    assert [r.item.title for r in action_rows([z, y], settings())] == ["y0", "y1", "z0", "z1"]
    later = (TODAY + 3 * DAY).isoformat()
    z = make("z", action_items=[{"title": "z0", "due": later}, {"title": "z1", "due": later}])
    y = make("y", action_items=[{"title": "y0", "due": later}, {"title": "y1", "due": later}])
    assert [r.item.title for r in action_rows([z, y], settings())] == ["y0", "y1", "z0", "z1"]
    z = make("z", action_items=[{"title": "z0", "status": "done"}, {"title": "z1", "status": "done"}])
    y = make("y", action_items=[{"title": "y0", "status": "done"}, {"title": "y1", "status": "done"}])
    assert [r.item.title for r in action_rows([z, y], settings())] == ["y0", "y1", "z0", "z1"]


def test_rates_leave_wont_fix_out():
    assert rate(1, 4) == 0.25
    assert rate(0, 0) is None
    assert completion_rate(10, 3, 4) == 0.5
    assert completion_rate(2, 0, 2) is None


def test_quarter_boundaries():
    assert [quarter(dt.date(2024, m, 1)) for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [
        "2024-Q1",
        "2024-Q1",
        "2024-Q2",
        "2024-Q2",
        "2024-Q3",
        "2024-Q3",
        "2024-Q4",
        "2024-Q4",
    ]


def _rows():
    old_due = (TODAY - 2 * DAY).isoformat()
    pms = [
        make(
            "p1",
            date="2024-02-01",
            teams=["payments"],
            action_items=[
                {"title": "1", "owner": "Ana", "team": "payments", "status": "done", "completed": "2024-03-01"},
                {"title": "2", "owner": "Ana", "status": "wont-fix", "ticket": "T-1"},
                {"title": "3", "owner": "bob", "due": old_due},
            ],
        ),
        make(
            "p2",
            date="2024-05-20",
            action_items=[
                {"title": "4", "owner": "Bob", "team": "search", "status": "in-progress", "due": "2099-01-01"},
                {"title": "5", "team": "search", "status": "done", "completed": "2024-12-01", "ticket": "T-2"},
                {"title": "6", "owner": "cy", "due": old_due, "team": "payments"},
            ],
        ),
        make("p3", date=(TODAY - 89 * DAY).isoformat(), action_items=[{"title": "7", "status": "done"}]),
    ]
    return ActionReport(action_rows(pms, settings()), TODAY)


def test_tally_counts_each_status():
    t = _rows().overall
    assert (t.label, t.total, t.open, t.overdue, t.done, t.wont_fix) == ("All", 7, 3, 2, 3, 1)
    assert t.completion_rate == 0.5
    assert Tally("x", 3, 0, 0, 1, 1).completion_rate == 0.5


def test_within_90_days_counts_incidents_old_enough_and_leaves_wont_fix_out():
    # p1: item 1 done in time, item 3 open (item 2 won't fix: left out); p2: 4 open, 5 done late, 6 open;
    # p3 is 89 days old: not counted yet.
    assert _rows().within_90_days == (1 / 5, 5)


def test_within_90_days_window_starts_on_day_90():
    pm = make("p", date=(TODAY - 90 * DAY).isoformat(), action_items=[{"title": "t", "status": "done"}])
    assert ActionReport(action_rows([pm], settings()), TODAY).within_90_days == (0.0, 1)
    assert ActionReport([], TODAY).within_90_days == (None, 0)


def test_missing_counts_fields_as_written():
    report = _rows()
    assert report.missing("owner") == (2, 2 / 7)
    assert report.missing("ticket") == (5, 5 / 7)
    assert report.missing("due") == (4, 4 / 7)  # written due dates only, not SLO defaults
    assert ActionReport([], TODAY).missing("owner") == (0, None)


def test_group_sorts_by_overdue_then_open_then_name_without_case():
    report = _rows()
    by_owner = [(t.label, t.total, t.open, t.overdue) for t in report.group(lambda r: r.owner)]
    assert by_owner == [("bob", 1, 1, 1), ("cy", 1, 1, 1), ("Bob", 1, 1, 0), ("(none)", 2, 0, 0), ("Ana", 2, 0, 0)]
    by_team = [t.label for t in report.group(lambda r: r.team, missing="no team")]
    assert by_team == ["no team", "payments", "search"]  # tied on overdue and open: by name


def test_by_quarter_oldest_first():
    tallies = _rows().by_quarter()
    assert [(t.label, t.total) for t in tallies] == [("2024-Q1", 3), ("2024-Q2", 3), ("2026-Q3", 1)]


def test_group_names_compare_as_lowercase_text():
    # Case-insensitive by name, as lowercase: "data_platform" before "Database" ('_' sorts before letters).
    pm = make(action_items=[{"title": "1", "team": "Database"}, {"title": "2", "team": "data_platform"}])
    report = ActionReport(action_rows([pm], settings()), TODAY)
    assert [t.label for t in report.group(lambda r: r.team)] == ["data_platform", "Database"]


def test_rows_keep_their_position_in_the_postmortem():
    # The position is `index` in the exports and part of the rendered row's cache key.
    pm = make(action_items=[{"title": "a", "status": "done"}, {"title": "b"}, {"title": "c", "status": "done"}])
    assert [(r.item.title, r.index) for r in action_rows([pm], settings())] == [("b", 1), ("a", 0), ("c", 2)]


def test_group_overdue_counts_before_open_counts():
    # Tallies lead with who has the most overdue items, then the most open ones: a team with more open
    # but fewer overdue items comes after one with an overdue item.
    late = (TODAY - DAY).isoformat()
    pm = make(
        action_items=[
            {"title": "1", "team": "a-many-open", "due": "2099-01-01"},
            {"title": "2", "team": "a-many-open", "due": "2099-01-01"},
            {"title": "3", "team": "b-one-overdue", "due": late},
        ]
    )
    report = ActionReport(action_rows([pm], settings()), TODAY)
    assert [(t.label, t.open, t.overdue) for t in report.group(lambda r: r.team)] == [
        ("b-one-overdue", 1, 1),
        ("a-many-open", 2, 0),
    ]


def test_rows_tallies_and_reports_are_immutable_values():
    # Every page and export of a build reads the same objects: none may change one for the others.
    pm = make(action_items=[{"title": "t"}])
    row = action_rows([pm], settings())[0]
    report = ActionReport([row], TODAY)
    for value, field in ((row, "overdue"), (report.overall, "total"), (report, "today")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
