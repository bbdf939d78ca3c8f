"""Bring mutmut's copy of the project (mutants/) up to date before `make mutation`.

mutmut copies every .py file again on each run (and mutates anew the files that changed), but it
copies the packages' other files — templates, static files — only when they are missing, and
never removes a file the project no longer has. After a change to a template, its tests would run
against the old one and fail, or a mutant be judged against code the project no longer has. This
copies each such file that differs and removes those the project dropped, leaving mutmut's own
records (*.meta, *.spans) alone."""

import filecmp
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT_RECORDS = (".meta", ".spans")


def sync(root, package):
    source, copy = root / package, root / "mutants" / package
    changed = removed = 0
    for path in source.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".py":
            continue  # mutmut copies (or mutates) every .py file itself
        target = copy / path.relative_to(source)
        if not target.exists() or not filecmp.cmp(path, target, shallow=False):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            changed += 1
    if copy.exists():
        for path in copy.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix in MUTMUT_RECORDS:
                continue
            if not (source / path.relative_to(copy)).exists():
                path.unlink()
                removed += 1
    return changed, removed


def main(root=ROOT):
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    if not (root / "mutants").exists():
        return
    for package in config["source_paths"]:
        changed, removed = sync(root, package)
        if changed or removed:
            print(f"mutants/{package}: {changed} copied again, {removed} removed", file=sys.stderr)


if __name__ == "__main__":
    main()
