"""Reading the dashboard's page back as a reader sees it: sections, their tables, totals.

``tables(html)`` maps each section's id to the tables in it, each a list of rows of cell
text (header row first); ``as_int`` turns a shown count ("1,234") back into a number.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Optional, Union


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[list[list[str]]]] = {}
        self.totals: dict[str, str] = {}
        self.links: list[str] = []
        self.sources: list[str] = []  # every src= and href= of anything that loads
        self._section: Optional[str] = None
        self._table: Optional[list[list[str]]] = None
        self._row: Optional[list[str]] = None
        self._cell: Optional[list[str]] = None
        self._in_totals = False
        self._bold: Optional[list[str]] = None
        self._total_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        attr = dict(attrs)
        if tag == "section":
            self._section = attr.get("id") or ""
            self.sections.setdefault(self._section, [])
        elif tag == "table" and self._section is not None:
            self._table = []
            self.sections[self._section].append(self._table)
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "ul" and attr.get("id") == "totals":
            self._in_totals = True
        elif tag == "b" and self._in_totals:
            self._bold = []
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"] or "")
        for key in ("src", "srcset", "data", "poster"):
            if attr.get(key):
                self.sources.append(attr[key] or "")
        if tag == "link" and attr.get("href"):
            self.sources.append(attr["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "section":
            self._section = None
        elif tag == "b" and self._bold is not None:
            self._total_text = ["".join(self._bold).strip()]
            self._bold = None
        elif tag == "li" and self._in_totals and self._total_text:
            self.totals[self._total_text[1].strip() if len(self._total_text) > 1 else ""] = (
                self._total_text[0]
            )
            self._total_text = []
        elif tag == "ul" and self._in_totals:
            self._in_totals = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._bold is not None:
            self._bold.append(data)
        elif self._in_totals and self._total_text:
            self._total_text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def tables(html: str) -> dict[str, list[list[list[str]]]]:
    """Section id -> its tables -> rows -> cell texts (the header row first)."""
    return read(html).sections


def body(table: list[list[str]]) -> list[list[str]]:
    """A table's rows without its header (an empty table's "none" line is no row)."""
    return [row for row in table[1:] if len(row) == len(table[0])]


def as_int(text: str) -> Union[int, str]:
    """A shown count as a number ("1,234" -> 1234); anything else ("<5", "-") as is."""
    plain = text.replace(",", "")
    return int(plain) if plain.isdigit() else text


__all__ = ["as_int", "body", "read", "tables"]
