"""A document import whose writer refuses after the import's own checks passed (a rule only the
writer knows, or a refusal half-way through the file): the import names the rows the writer
named, with the writer's reason, and nothing of the file is kept, the rows written before the
refusal included."""

import pytest

from documents import imports
from documents.exports import export_shiryo3
from documents.imports import import_shiryo3
from initiatives.models import ProgressEntry
from reporting import services
from tests.documents import database_snapshot, to_bytes
from tests.test_import_as_section_users import shiryo3_cell

pytestmark = pytest.mark.django_db

WRITER_REASON = "書き手だけが知る規則で断りました。"


def two_entries(period):
    return list(
        ProgressEntry.objects.filter(period=period, initiative__repost_of=None).order_by(
            "initiative__category__number", "initiative__number"
        )[:2]
    )


def refusing_writer(monkeypatch, named):
    """The real writer for the first change, then a refusal naming `named` entries."""
    real = services.write_many

    def write_many(*, changes, user, reason=None, skip_stale=False):
        real(changes=changes[:1], user=user, reason=reason)
        raise services.Refused(WRITER_REASON, entries=named(changes))

    monkeypatch.setattr(imports.services, "write_many", write_many)


def changed_workbook(period, entries):
    workbook = export_shiryo3(period)
    for number, entry in enumerate(entries):
        shiryo3_cell(workbook, entry)[2].value = f"・取込みで書いた計画 {number}"
    return to_bytes(workbook)


def test_a_writer_refusal_names_its_rows_and_keeps_nothing(monkeypatch, period, honbu):
    entries = two_entries(period)
    file = changed_workbook(period, entries)
    refusing_writer(monkeypatch, lambda changes: [change.entry for change in changes])
    before = database_snapshot()

    result = import_shiryo3(file=file, period=period, user=honbu)

    references = "、".join(entry.initiative.reference for entry in entries)
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("", None, f"{references}: {WRITER_REASON}")
    ]
    assert not result.ok
    assert database_snapshot() == before


def test_a_writer_refusal_naming_no_row_gives_its_reason_alone(monkeypatch, period, honbu):
    file = changed_workbook(period, two_entries(period))
    refusing_writer(monkeypatch, lambda changes: [])
    before = database_snapshot()

    result = import_shiryo3(file=file, period=period, user=honbu)

    assert [e.message for e in result.errors] == [WRITER_REASON]
    assert database_snapshot() == before
