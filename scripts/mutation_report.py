"""The score of `make mutation` per module, from mutmut's results in mutants/.

Score = killed / (all mutants − equivalent ones), equivalent mutants being those listed with a
reason in scripts/mutation_equivalents.txt (one `mutant name  # reason` a line). A mutant that
timed out counts as killed (the fault made the tests hang); one that no test reached counts as
survived. Lists every survivor; exits 1 when a module is under the target.
    .venv/bin/python scripts/mutation_report.py [--target 90]
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"

KILLED = {1, 3, 36, -24, 24, 152, 255, 37}  # a failing test, pytest's own error, a timeout
SURVIVED = {0, 5, 33}  # tests passed, or no test reached the mutant


def equivalents():
    found = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("#")
            if name.strip():
                found[name.strip()] = reason.strip()
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", type=float, default=90.0)
    args = parser.parse_args()
    equivalent = equivalents()
    rows, survivors, unchecked = [], [], 0
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        module = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter()
        for name, code in sorted(exit_codes.items()):
            if name in equivalent:
                counts["equivalent"] += 1
            elif code is None:
                counts["not checked"] += 1
            elif code in KILLED:
                counts["killed"] += 1
            else:
                counts["survived"] += 1
                survivors.append((name, "no test reached it" if code in (5, 33) else ""))
        unchecked += counts["not checked"]
        scored = counts["killed"] + counts["survived"]
        score = 100.0 * counts["killed"] / scored if scored else None
        rows.append((module, len(exit_codes), counts, score))

    print("| module | mutants | killed | survived | equivalent | not run | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for module, total, counts, score in rows:
        print(
            f"| `{module}` | {total} | {counts['killed']} | {counts['survived']} | "
            f"{counts['equivalent']} | {counts['not checked']} | "
            + ("–" if score is None else f"{score:.1f}%")
            + (" of those run" if score is not None and counts["not checked"] else "")
            + " |"
        )
    if survivors:
        print("\nSurvivors (`.venv/bin/mutmut show NAME` prints the change):")
        for name, note in survivors:
            print(f"  {name}" + (f"  ({note})" if note else ""))
    below = [module for module, _, _, score in rows if score is not None and score < args.target]
    if unchecked:
        print(f"\n{unchecked} mutants not run yet: `make mutation` goes on where it stopped.")
    if below:
        print(f"\nUnder {args.target:.0f}%: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
