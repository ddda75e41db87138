"""A validated postmortem with the figures derived from its front matter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from postmortem_archive.core.model import FrontMatter
from postmortem_archive.core.source import line_of


@dataclass(frozen=True)
class Postmortem:
    id: str
    src_path: str  # path under docs_dir, POSIX separators
    meta: FrontMatter
    body: str
    body_line: int
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, loc: tuple[str | int, ...]) -> int:
        """1-based source line of a front-matter field (or of its closest parent)."""
        return line_of(self.lines, loc)

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def date(self) -> dt.date:
        return self.meta.date

    @property
    def is_draft(self) -> bool:
        return self.meta.status == "draft"

    def _since_start(self, end: dt.datetime | None) -> dt.timedelta | None:
        if self.meta.started is None or end is None:
            return None
        return end - self.meta.started

    @property
    def time_to_detect(self) -> dt.timedelta | None:
        return self._since_start(self.meta.detected)

    @property
    def time_to_mitigate(self) -> dt.timedelta | None:
        return self._since_start(self.meta.mitigated)

    @property
    def time_to_resolve(self) -> dt.timedelta | None:
        return self._since_start(self.meta.resolved)

    @property
    def people_names(self) -> list[str]:
        """Every name in a person field (roles and action-item owners), deduplicated."""
        names = [name for _, role in self.meta.people.roles() for name in role]
        names += [item.owner for item in self.meta.action_items if item.owner]
        return list(dict.fromkeys(names))
