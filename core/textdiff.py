"""Line-by-line comparison of two texts, for "what changed since the last half-year"."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str

    @property
    def label(self):
        return {"added": "追加", "removed": "削除"}.get(self.kind, "")


def line_diff(old, new):
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    lines = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old_lines, b=new_lines).get_opcodes():
        if op == "equal":
            lines += [DiffLine("same", line) for line in old_lines[i1:i2]]
            continue
        lines += [DiffLine("removed", line) for line in old_lines[i1:i2]]
        lines += [DiffLine("added", line) for line in new_lines[j1:j2]]
    return lines
