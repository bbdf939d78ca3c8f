"""The tables of a rendered page as a reader sees them: caption, and rows of cell texts."""

import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._stack = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"caption": "", "rows": [], "_in": None})
        elif not self._stack:
            return
        elif tag == "caption":
            self._stack[-1]["_in"] = "caption"
        elif tag == "tr":
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._stack[-1]["rows"][-1].append("")
            self._stack[-1]["_in"] = "cell"

    def handle_endtag(self, tag):
        if not self._stack:
            return
        if tag == "table":
            table = self._stack.pop()
            del table["_in"]
            table["rows"] = [[clean(c) for c in row] for row in table["rows"]]
            table["caption"] = clean(table["caption"])
            self.tables.append(table)
        elif tag in ("caption", "td", "th"):
            self._stack[-1]["_in"] = None

    def handle_data(self, data):
        if not self._stack:
            return
        table = self._stack[-1]
        if table["_in"] == "caption":
            table["caption"] += data
        elif table["_in"] == "cell":
            table["rows"][-1][-1] += data


def clean(text):
    return re.sub(r"\s+", " ", text).strip()


def table(html, caption_part):
    """The rows (header row first) of the one table whose caption contains `caption_part`."""
    parser = _Tables()
    parser.feed(html)
    found = [t for t in parser.tables if caption_part in t["caption"]]
    assert len(found) == 1, [t["caption"] for t in parser.tables]
    return found[0]["rows"]
