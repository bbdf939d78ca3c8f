"""`make mutation` first brings mutmut's copy of the project up to date (scripts/mutation_sync.py):
mutmut itself copies a package's templates only when they are missing."""

import importlib.util
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_the_copy_takes_changed_templates_and_drops_removed_files_but_keeps_mutmuts_records(
    tmp_path,
):
    spec = importlib.util.spec_from_file_location("sync", ROOT / "scripts/mutation_sync.py")
    mutation_sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutation_sync)
    (tmp_path / "pyproject.toml").write_text('[tool.mutmut]\nsource_paths = ["app"]\n')
    templates = tmp_path / "app/templates"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text("新しい画面")
    (templates / "new.html").write_text("追加した画面")
    copy = tmp_path / "mutants/app"
    (copy / "templates").mkdir(parents=True)
    (copy / "templates/page.html").write_text("古い画面")
    (copy / "templates/gone.html").write_text("消した画面")
    (copy / "gone.py").write_text("")
    (copy / "services.py.meta").write_text("{}")

    mutation_sync.main(tmp_path)

    assert (copy / "templates/page.html").read_text() == "新しい画面"
    assert (copy / "templates/new.html").read_text() == "追加した画面"
    assert not (copy / "templates/gone.html").exists() and not (copy / "gone.py").exists()
    assert (copy / "services.py.meta").read_text() == "{}"
