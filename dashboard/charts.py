"""Stacked bar charts as SVG drawn on the server: no script, every segment a link, and the
same numbers in a table beside each chart for screen readers."""

from dataclasses import dataclass

from recommendations.models import Classification

BAR_HEIGHT = 28
GAP = 10
LABEL_WIDTH = 60
PLOT_WIDTH = 560
# Fills differ in pattern as well as colour, and each segment also carries its letter.
FILLS = {"A": "url(#fill-A)", "B": "url(#fill-B)", "C": "url(#fill-C)", "D": "url(#fill-D)"}


def coordinate(value):
    """SVG numbers as plain text (the template's localised number formatting is slow at scale)."""
    return f"{value:.1f}"


@dataclass
class Segment:
    letter: str
    mark: str
    count: int
    x: float
    width: float
    url: str
    fill: str

    def __post_init__(self):
        self.x_text, self.width_text = coordinate(self.x), coordinate(self.width)
        self.text_x = coordinate(self.x + self.width / 2)
        self.shows_text = self.width >= 30


@dataclass
class Bar:
    label: str
    title: str
    y: int
    segments: list

    def __post_init__(self):
        self.text_y = coordinate(self.y + BAR_HEIGHT / 2)


def stacked_bars(rows, *, short_label, url, label_width=LABEL_WIDTH):
    """rows: objects with `.counts` (区分 → count) and `.label`; `url(row, letter)` gives the
    list page with the matching filter."""
    largest = max((sum(row.counts.values()) for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        x = label_width
        segments = []
        for letter, count in row.counts.items():
            if not count:
                continue
            width = PLOT_WIDTH * count / largest
            mark = Classification(letter).mark
            segments.append(Segment(letter, mark, count, x, width, url(row, letter), FILLS[letter]))
            x += width
        bars.append(Bar(short_label(row), row.label, index * (BAR_HEIGHT + GAP), segments))
    height = len(bars) * (BAR_HEIGHT + GAP)
    width = label_width + PLOT_WIDTH + 10
    return {"bars": bars, "width": width, "height": height, "bar_height": BAR_HEIGHT}
