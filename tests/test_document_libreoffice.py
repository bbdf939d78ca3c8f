"""A document edited and saved again by LibreOffice (headless `soffice --convert-to xlsx`, as
installed by scripts/system-deps.sh) still imports with the versions it was exported with."""

import shutil
import subprocess

import pytest

from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import CONFLICT, import_shiryo2, import_shiryo3
from documents.versions import SHEET
from recommendations.services import PARAGRAPHS, StatusInput
from reporting import services
from tests.documents import database_snapshot, reload, to_bytes
from tests.helpers import current_report
from tests.test_document_import_versions import edit_on_page, hogo_entries, plans_cell

pytestmark = pytest.mark.django_db


def resaved_by_libreoffice(tmp_path, data):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice がありません: make system-deps（scripts/system-deps.sh）"
    source = tmp_path / "edited.xlsx"
    source.write_bytes(data)
    out = tmp_path / "out"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "edited.xlsx").read_bytes()


def test_a_file_saved_by_libreoffice_keeps_its_hidden_versions(tmp_path, period, hogo):
    mine, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, mine).value = "LibreOffice で書いた内容"
    data = resaved_by_libreoffice(tmp_path, to_bytes(workbook))
    assert reload(data)[SHEET].sheet_state == "hidden"
    result = import_shiryo3(file=data, period=period, user=hogo)
    assert result.ok, [str(e) for e in result.errors]
    assert result.has_versions
    assert result.counts["changed"] == 1 and result.counts[CONFLICT] == 0
    mine.refresh_from_db()
    assert mine.plans == "LibreOffice で書いた内容"


def test_a_stale_file_saved_by_libreoffice_is_still_a_conflict(tmp_path, period, hogo, honbu):
    mine, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, mine).value = "課のファイルの内容"
    data = resaved_by_libreoffice(tmp_path, to_bytes(workbook))
    edit_on_page(mine, honbu, "本部が後から直した内容")
    before = database_snapshot()
    result = import_shiryo3(file=data, period=period, user=hogo)
    assert [r.reference for r in result.conflicts] == [mine.initiative.reference]
    assert database_snapshot() == before


def test_shiryo2_saved_by_libreoffice_imports_as_unchanged(tmp_path, period, honbu):
    data = resaved_by_libreoffice(tmp_path, to_bytes(export_shiryo2(period)))
    # Someone changes a report after the export: the untouched file leaves it alone.
    report = current_report("子）児童相談所")
    given = [StatusInput("後から書いた", s.classification, s.pk) for s in report.statuses.all()]
    services.write(entry=report, user=honbu, version=report.version, values={PARAGRAPHS: given})
    before = database_snapshot()
    result = import_shiryo2(file=data, period=period, user=honbu)
    assert result.ok, [str(e) for e in result.errors]
    assert result.has_versions
    assert result.counts["changed"] == result.counts["new"] == result.counts[CONFLICT] == 0
    assert database_snapshot() == before
