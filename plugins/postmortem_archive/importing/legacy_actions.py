"""Action items from a legacy postmortem's lists and tables, with owner, due date, ticket and status.

Read from the sections people use for them (Action items, Follow-ups, Next steps,
Corrective actions...) and from any table with an action and an owner column (the
SRE book puts its table under a bold 'Action Items:' line). A row or item gives
what it holds, keyed by its column or by 'owner:'/'due:'/'ticket:' in the text;
owners are never guessed from unkeyed names. Every gap is a review entry.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from postmortem_archive.importing import textdates
from postmortem_archive.importing.legacy import Document, ListItem, Table, is_placeholder, normalise_key

ACTIONS_SECTION = re.compile(
    r"action items?|follow[- ]?ups?|next steps|corrective(?: and prevent\w*)? (?:actions?|measures)|"
    r"prevent\w* (?:actions?|measures)|remediations?(?: items| actions)?|action plan|to-?dos?"
)
TICKET = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b|https?://\S+")
STATUSES = {
    **dict.fromkeys(
        ("done", "complete", "completed", "closed", "fixed", "resolved", "finished", "yes", "\u2705"), "done"
    ),
    **dict.fromkeys(("open", "todo", "to do", "not started", "new", "planned", "backlog", "pending"), "open"),
    **dict.fromkeys(("in progress", "in-progress", "started", "doing", "wip", "ongoing"), "in-progress"),
    **dict.fromkeys(
        ("won't fix", "wont fix", "wontfix", "won't do", "cancelled", "canceled", "declined", "dropped"), "wont-fix"
    ),
}
STATUS_SUFFIX = re.compile(r"\s+(DONE|TODO|IN PROGRESS|WONTFIX|CLOSED|OPEN)\s*$")
TYPES = {
    **dict.fromkeys(("mitigate", "mitigation"), "mitigation"),
    "process": "process",
    **dict.fromkeys(("monitoring", "monitor", "alerting"), "monitoring"),
    **dict.fromkeys(("tooling", "tool", "tools"), "tooling"),
    "architecture": "architecture",
}
COLUMNS: dict[str, re.Pattern[str]] = {
    "title": re.compile(r"^(?:action(?: item)?s?|items?|description|tasks?|title|what|follow[- ]?ups?|remediation)$"),
    "owner": re.compile(r"^(?:owners?|assignee|assigned to|who|responsible|dri)$"),
    "due": re.compile(r"^(?:due(?: date| by)?|deadline|target(?: date)?|eta|by when|when)$"),
    "ticket": re.compile(r"^(?:tickets?|bugs?|issues?|jira|links?|tracking|tracker|ref(?:erence)?)$"),
    "status": re.compile(r"^(?:status|state|done\??|progress)$"),
    "type": re.compile(r"^(?:type|kind|category)$"),
    "priority": re.compile(r"^(?:priority|prio)$"),
    "team": re.compile(r"^(?:team|owning team)$"),
}
ITEM_KEY = re.compile(
    r"(?:^|(?<=[\s(,;|\u2014\u2013-]))(?P<key>owner|assignee|assigned to|due(?: date)?|deadline|ticket|jira|status)"
    r"\s*[:=]?\s+(?P<value>[^,;()|\u2014\u2013]+?)(?=\s*(?:[,;()|\u2014\u2013]|\s-\s|$))",
    re.I,
)
HANDLE = re.compile(r"\s@([\w.-]+)\s*$")


def columns(header: list[str]) -> dict[int, str]:
    """Column position -> our field, from a table's header cells."""
    out: dict[int, str] = {}
    for position, cell in enumerate(header):
        key = normalise_key(cell)
        for kind, pattern in COLUMNS.items():
            if pattern.match(key) and kind not in out.values():
                out[position] = kind
                break
    return out


class ActionItems:
    """Reads the action items of one document; appends what it could not read to `review`."""

    def __init__(self, review: list[str]) -> None:
        self.review = review
        self.unreadable_due: set[int] = set()  # items whose due date was written, but not as a date

    def read(self, doc: Document) -> tuple[list[dict[str, Any]], str]:
        """(items, where they came from)."""
        sections = doc.find_sections(ACTIONS_SECTION)
        tables: list[Table] = [t for s in sections for t in s.tables]
        tables += [
            t
            for s in doc.sections
            if s not in sections
            for t in s.tables
            if {"title", "owner"} <= set(columns(t.header).values())
        ]
        items: list[dict[str, Any]] = []
        for table in tables:
            for row in table.rows:
                item = self._from_row(table.header, row, len(items))
                if item:
                    items.append(item)
        if not items:
            for list_item in (i for s in sections for i in s.items):
                item = self._from_list_item(list_item, len(items))
                if item:
                    items.append(item)
        if not items:
            self.review.append(
                "action_items: none found in the source (no 'Action items' or 'Follow-ups' list or table)"
            )
        for index, item in enumerate(items):
            if "owner" not in item:
                self.review.append(f"action_items[{index}].owner: none in the source; name one person")
            closed = item.get("status", "open") in ("done", "wont-fix")
            if "due" not in item and index not in self.unreadable_due and not closed:
                self.review.append(f"action_items[{index}].due: none in the source")
        return items, ", ".join(f"'{s.title}' section" for s in sections) or "a table with an owner column"

    def _due(self, value: str, index: int) -> dt.date | None:
        found = textdates.first_date(value)
        if found:
            return found.date
        if not is_placeholder(value):
            self.unreadable_due.add(index)
            self.review.append(f"action_items[{index}].due: {value!r} is not a date")
        return None

    def _status(self, value: str, index: int) -> str | None:
        key = " ".join(value.casefold().replace("_", " ").split())
        if not key or is_placeholder(key):
            return None
        if key in STATUSES:
            return STATUSES[key]
        self.review.append(f"action_items[{index}].status: {value!r} is not a status we know; set to open")
        return "open"

    def _from_row(self, header: list[str], row: list[str], index: int) -> dict[str, Any] | None:
        kinds = columns(header)
        cells: dict[str, str] = {}
        status = None
        for position, cell in enumerate(row):
            suffix = STATUS_SUFFIX.search(cell)
            if suffix:  # the SRE book's 'Bug 5554823 **TODO**'
                status = STATUSES.get(suffix[1].lower())
                cell = cell[: suffix.start()].strip()
            kind = kinds.get(position)
            if kind and kind not in cells:
                cells[kind] = cell.strip()
        if "title" not in kinds.values() and row:
            cells["title"] = row[0].strip()
        title = cells.get("title", "")
        if not title or is_placeholder(title):
            return None
        item: dict[str, Any] = {"title": title}
        for kind in ("owner", "team"):
            if cells.get(kind) and not is_placeholder(cells[kind]):
                item[kind] = cells[kind]
        if cells.get("due") and (due := self._due(cells["due"], index)):
            item["due"] = due
        written = self._status(cells.get("status", ""), index) or status
        if written:
            item["status"] = written
        if cells.get("type", "").casefold() in TYPES:
            item["type"] = TYPES[cells["type"].casefold()]
        if re.fullmatch(r"P[0-3]", cells.get("priority", "").upper()):
            item["priority"] = cells["priority"].upper()
        ticket = cells.get("ticket", "")
        if ticket and not is_placeholder(ticket):
            item["ticket"] = ticket
        elif (found := TICKET.search(" ".join(row[1:]))) is not None:
            item["ticket"] = found.group(0)
        return item

    def _from_list_item(self, list_item: ListItem, index: int) -> dict[str, Any] | None:
        text = list_item.text
        matches = list(ITEM_KEY.finditer(text))
        title = text[: matches[0].start()] if matches else text
        handle = HANDLE.search(title)
        title = title[: handle.start()] if handle else title
        title = title.strip().rstrip("(\u2014\u2013-,;|:").strip()
        if not title or is_placeholder(title):
            return None
        item: dict[str, Any] = {"title": title}
        if handle:
            item["owner"] = "@" + handle[1]
        for match in matches:
            key, value = match["key"].casefold(), match["value"].strip()
            if is_placeholder(value):
                continue
            if key in ("owner", "assignee", "assigned to"):
                item["owner"] = value
            elif (key.startswith("due") or key == "deadline") and (due := self._due(value, index)):
                item["due"] = due
            elif key in ("ticket", "jira"):
                item["ticket"] = value
            elif key == "status" and (status := self._status(value, index)):
                item["status"] = status
        if "ticket" not in item and (found := TICKET.search(text)):
            item["ticket"] = found.group(0).rstrip(").,;")
        if list_item.checked is not None and "status" not in item:
            item["status"] = "done" if list_item.checked else "open"
        return item
