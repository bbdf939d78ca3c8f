"""The layers of docs/architecture.md hold: every import of every project file (and every
`include("app.urls")`) points down the table, no two entries of the table import each other in a
circle, nothing imports the operations package, and the table and README's layout name every
package there is."""

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
    """{entry: layer} from the table under 「## Layers」 in docs/architecture.md. An entry is a
    package (`shell`) or a module of one (`vision_portal.urls`) that stands apart from it."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for row in re.finditer(r"^\| (\d+) \| ([^|]+) \|", section, re.MULTILINE):
        for entry in re.findall(r"`([a-z_.]+)`", row.group(2)):
            layers[entry] = int(row.group(1))
    return layers


def entry_of(module, layers):
    """The table's entry a module belongs to: the longest entry it is, or lies inside of."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in layers:
            return ".".join(parts[:end])
    return parts[0]


def module_name(path):
    """`vision_portal/urls.py` → `vision_portal.urls`; a package's `__init__.py` → the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree):
    """Every absolute import in the file, at module level or inside a function, and every URLconf
    named to `include()`: Django imports it as surely as an import statement would."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # The name imported may be a module with an entry of its own (`from vision_portal
            # import urls`), so it is checked as `module.name`.
            for alias in node.names:
                name = "" if alias.name == "*" else f".{alias.name}"
                yield node.lineno, node.module + name
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "include"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def project_imports(layers):
    """(file, line, importing entry, imported module, imported entry) for each import of another
    entry of the table."""
    packages = project_packages()
    for package in sorted(packages):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = entry_of(module_name(path), layers)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in imported_modules(tree):
                target = entry_of(module, layers)
                if module.split(".")[0] in packages and target != source:
                    yield path.relative_to(ROOT), line, source, module, target


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
    assert {entry for entry in layer_table() if "." not in entry} == project_packages()


def test_each_module_entry_of_the_layer_table_is_a_module_there_is():
    modules = [entry for entry in layer_table() if "." in entry]
    missing = [
        module
        for module in modules
        if not (ROOT / f"{module.replace('.', '/')}.py").is_file()
        and not (ROOT / module.replace(".", "/") / "__init__.py").is_file()
    ]
    assert modules and missing == []


def test_a_module_entry_takes_its_modules_out_of_their_package():
    layers = {"vision_portal": 0, "shell": 9, "vision_portal.urls": 10}
    assert entry_of("vision_portal.urls", layers) == "vision_portal.urls"
    assert entry_of("vision_portal.settings.base", layers) == "vision_portal"
    assert entry_of("shell.views", layers) == "shell"


def test_the_operations_package_stands_alone_on_top():
    layers = layer_table()
    assert [p for p, layer in layers.items() if layer >= layers[TOP]] == [TOP]


def test_no_two_entries_of_the_table_import_each_other_in_a_circle():
    edges = {}
    for _, _, source, _, target in project_imports(layer_table()):
        edges.setdefault(source, set()).add(target)
    assert cycles(edges) == []


def test_every_import_points_to_a_lower_layer():
    layers = layer_table()
    against = [
        f"{path}:{line} ({source}, layer {layers[source]}) imports {module} "
        f"({target}, layer {layers[target]})"
        for path, line, source, module, target in project_imports(layers)
        if layers[target] >= layers[source]
    ]
    assert against == []


def test_no_project_package_imports_operations():
    importers = [
        f"{path}:{line} imports {module}"
        for path, line, _, module, _ in project_imports(layer_table())
        if module.split(".")[0] == TOP
    ]
    assert importers == []


def test_the_check_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from cycle.views import conversation_for\n")
    assert list(imported_modules(tree)) == [(2, "cycle.views.conversation_for")]


def test_the_check_sees_a_module_entry_imported_by_name_from_its_package():
    layers = {"vision_portal": 0, "vision_portal.urls": 10}
    tree = ast.parse("from vision_portal import env, urls\n")
    entries = [entry_of(module, layers) for _, module in imported_modules(tree)]
    assert entries == ["vision_portal", "vision_portal.urls"]


def test_the_check_counts_an_included_urlconf_as_an_import():
    tree = ast.parse('urlpatterns = [path("cycle/", include("cycle.urls"))]\n')
    assert list(imported_modules(tree)) == [(1, "cycle.urls")]


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
