"""The structure of a legacy postmortem in Markdown: sections, paragraphs, lists, tables, `Key: value` lines.

Parsed with markdown-it-py (a CommonMark parser with tables) rather than line
regexes, so a `Date:` inside a code block or a `#` inside a fence is not taken
for metadata or a heading. HTML tables (wiki exports keep them as raw HTML) are
read with the standard library's HTML parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_KEY_VALUE = re.compile(r"^\s*([A-Za-z][\w /&()'.#-]{0,48}?)\s*[:=]\s+(\S.*?)\s*$")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s+")
# What templates leave in a field nobody filled in: 'TBD', 'n/a', '[name]', '<date>', '___'.
_PLACEHOLDER = re.compile(
    r"^(?:|-+|\u2014|\u2013|n/?a|none|tbd|tbc|\?+|unknown|unassigned|nobody|\[.*\]|<.*>|_+|x+)$", re.I
)
_LIST_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\s/\s)\s*", re.I)


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value.strip()))


def split_list(value: str) -> list[str]:
    """'Priya Raman, Tomasz Nowak and Jo Chen' -> three names; placeholders dropped."""
    return [part.strip() for part in _LIST_SPLIT.split(value) if part.strip() and not is_placeholder(part)]


def normalise_key(label: str) -> str:
    """'**Incident Date (UTC):**' -> 'incident date (utc)'."""
    return " ".join(label.replace("*", "").replace("_", " ").strip().rstrip(":").split()).casefold()


@dataclass(frozen=True)
class Field:
    """A `Key: value` line, list item or two-column table row."""

    key: str  # normalised
    value: str
    line: int  # 1-based, in the text given to parse()


@dataclass(frozen=True)
class ListItem:
    text: str
    checked: bool | None  # '[x]' True, '[ ]' False, no checkbox None
    line: int


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    line: int


@dataclass
class Section:
    """A heading and what follows it up to the next heading (the preamble has no heading)."""

    title: str | None
    level: int
    line: int
    end_line: int = 0  # exclusive
    paragraphs: list[tuple[str, int]] = field(default_factory=list)
    items: list[ListItem] = field(default_factory=list)  # top-level list items
    tables: list[Table] = field(default_factory=list)

    @property
    def key(self) -> str:
        return normalise_key(self.title or "")


@dataclass
class Document:
    text: str
    sections: list[Section]
    fields: list[Field]
    first_line: int = 1  # file line of the text's first line (after front matter); every line is a file line

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def title(self) -> tuple[str, int, int] | None:
        """(text, line, level) of the first level-1 heading, else of the first heading."""
        headed = [s for s in self.sections if s.title]
        top = [s for s in headed if s.level == 1] or headed
        return (top[0].title or "", top[0].line, top[0].level) if top else None

    def section_text(self, section: Section) -> str:
        start, end = section.line - self.first_line, section.end_line - self.first_line
        return "\n".join(self.lines[start:end])

    def find_sections(self, pattern: re.Pattern[str]) -> list[Section]:
        return [s for s in self.sections if s.title and pattern.search(s.key)]

    def paragraphs(self) -> list[tuple[str, int]]:
        return [p for s in self.sections for p in s.paragraphs]

    @property
    def has_text(self) -> bool:
        return any(s.title for s in self.sections) or bool(self.paragraphs()) or any(s.items for s in self.sections)


def _plain(token: Token) -> str:
    """Text of an inline token: link text, code, image alt; line breaks kept as newlines."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(_plain(child))
    return "".join(out)


class _HTMLTables(HTMLParser):
    """Rows of every <table> in an HTML fragment, cells as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            self.tables.append([])
        elif tag == "tr" and self._depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("br", "p", "li") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(html: str) -> list[list[list[str]]]:
    parser = _HTMLTables()
    parser.feed(html)
    parser.close()
    return [rows for rows in parser.tables if rows]


def _table_rows(tokens: list[Token], start: int) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(" ".join(_plain(token).split()))
        index += 1
    return rows, index


def _fields_of_text(text: str, line: int) -> list[Field]:
    out = []
    for offset, part in enumerate(text.split("\n")):
        match = _KEY_VALUE.match(part)
        if match:
            out.append(Field(normalise_key(match[1]), match[2].strip(), line + offset))
    return out


def _fields_of_table(rows: list[list[str]], line: int) -> list[Field]:
    """Rows of a two-column table read as key/value pairs (wiki 'page properties' tables)."""
    if not rows or any(len(row) != 2 for row in rows):
        return []
    return [Field(normalise_key(key), value.strip(), line) for key, value in rows if key.strip() and value.strip()]


def parse(text: str, first_line: int = 1) -> Document:
    """Parse a Markdown body (front matter already removed) that starts at line `first_line` of its file."""
    tokens = _MD.parse(text)
    sections = [Section(None, 0, first_line)]
    fields: list[Field] = []
    list_depth = 0
    item_first_paragraph = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = (token.map[0] + first_line) if token.map else 0
        current = sections[-1]
        if token.type == "heading_open":
            sections.append(Section(" ".join(_plain(tokens[index + 1]).split()), int(token.tag[1]), line))
            index += 3
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "list_item_open":
            item_first_paragraph = True
        elif token.type == "paragraph_open":
            content = _plain(tokens[index + 1])
            if list_depth:
                if item_first_paragraph and list_depth == 1:
                    checkbox = _CHECKBOX.match(content)
                    checked = None if checkbox is None else checkbox[1] != " "
                    item = content[checkbox.end() :] if checkbox else content
                    current.items.append(ListItem(" ".join(item.split()), checked, line))
                if item_first_paragraph:
                    fields += _fields_of_text(content.split("\n")[0], line)
                item_first_paragraph = False
            else:
                current.paragraphs.append((content.strip(), line))
                fields += _fields_of_text(content, line)
        elif token.type == "table_open":
            rows, index = _table_rows(tokens, index)
            if rows:
                current.tables.append(Table(rows[0], rows[1:], line))
                fields += _fields_of_table(rows, line)
        elif token.type == "html_block":
            for rows in _html_tables(token.content):
                current.tables.append(Table(rows[0], rows[1:], line))
                fields += _fields_of_table(rows, line)
        index += 1
    total = text.count("\n") + 1 + first_line
    for section, following in zip(sections, [*sections[1:], None], strict=True):
        section.end_line = following.line if following else total
    return Document(text, sections, fields, first_line)
