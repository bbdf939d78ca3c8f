"""`make mutation` runs on a copy of the project that holds only the packages listed in
[tool.mutmut]: a package left out (a new app, a module moved to a new package) makes every mutant's
test session fail to import, so every mutant would count as killed."""

import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def mutmut_config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]


def test_every_package_of_the_project_is_copied_for_mutation_testing():
    packages = {
        path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests"
    }
    assert packages <= set(mutmut_config()["source_paths"])


def test_every_module_named_for_mutation_exists():
    config = mutmut_config()
    for path in config["only_mutate"]:
        assert (ROOT / path).is_file(), path
        assert path.split("/")[0] in config["source_paths"], path
