"""The layers of docs/architecture.md hold: every import of every project file points down the
table, no two top-level packages import each other in a circle, nothing imports the operations
package, and the table and README's layout name every package there is."""

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = {"tests", "scripts", "mutants"}  # may import anything; not part of the layers
TOP = "operations"


def project_packages():
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in OUTSIDE and not path.parent.name.startswith(".")
    }


def layer_table():
    """{package: layer} from the table under 「## Layers」 in docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for row in re.finditer(r"^\| (\d+) \| ([^|]+) \|", section, re.MULTILINE):
        for package in re.findall(r"`([a-z_]+)`", row.group(2)):
            layers[package] = int(row.group(1))
    return layers


def imported_modules(tree):
    """Every absolute import in the file, at module level or inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def project_imports():
    """(file, line, importing package, imported module) for each import of another package."""
    packages = project_packages()
    for package in sorted(packages):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in imported_modules(tree):
                target = module.split(".")[0]
                if target in packages and target != package:
                    yield path.relative_to(ROOT), line, package, module


def cycles(edges):
    """The groups of packages that reach each other through imports (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in edges.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_the_layer_table_names_every_package_and_only_those():
    assert set(layer_table()) == project_packages()


def test_the_operations_package_stands_alone_on_top():
    layers = layer_table()
    assert [p for p, layer in layers.items() if layer >= layers[TOP]] == [TOP]


def test_no_two_packages_import_each_other_in_a_circle():
    edges = {}
    for _, _, package, module in project_imports():
        edges.setdefault(package, set()).add(module.split(".")[0])
    assert cycles(edges) == []


def test_every_import_points_to_a_lower_layer():
    layers = layer_table()
    against = [
        f"{path}:{line} ({package}, layer {layers[package]}) imports {module} "
        f"(layer {layers[module.split('.')[0]]})"
        for path, line, package, module in project_imports()
        if layers[module.split(".")[0]] >= layers[package]
    ]
    assert against == []


def test_no_project_package_imports_operations():
    importers = [
        f"{path}:{line} imports {module}"
        for path, line, _, module in project_imports()
        if module.split(".")[0] == TOP
    ]
    assert importers == []


def test_the_check_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from cycle.views import conversation_for\n")
    assert list(imported_modules(tree)) == [(2, "cycle.views")]


def test_a_circle_between_packages_is_found():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_readme_layout_lists_every_folder_there_is_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([^`/]+)/` \|", layout, re.MULTILINE))
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    folders = {path.split("/")[0] for path in tracked if "/" in path}
    assert listed == {name for name in folders if not name.startswith(".")}
