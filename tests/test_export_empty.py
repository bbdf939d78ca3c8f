"""Exports with nothing to show still give a file a user can open and recognise: the document's
title, mark and headings over a line saying there is no row (a workbook needs one sheet), and a
category without initiatives keeps its sheet. Read from the saved file, as a user's Excel opens
it."""

import pytest
from django.db import connection

from documents.exports import (
    NO_ROWS,
    NO_ROWS_SHEET,
    SHIRYO2_HEADERS,
    SHIRYO2_WIDTHS,
    SHIRYO3_WIDTHS,
    export_shiryo2,
    export_shiryo3,
    shiryo3_headers,
    shiryo3_title,
)
from initiatives.models import Category
from recommendations.models import VerificationReport
from tests.documents import document_sheet_names, merged, reload, to_bytes, values

pytestmark = pytest.mark.django_db


def widths(ws):
    return tuple(ws.column_dimensions[column].width for column in "ABCDEF")


def assert_printable_page(ws, column_widths):
    assert widths(ws) == column_widths
    assert ws.page_setup.orientation == "landscape"


def test_shiryo2_without_any_verification_report_is_a_sheet_of_headings_saying_so(period):
    # A portal whose 検証報告書 is not entered yet (its chapters protect it from a delete; the
    # test's transaction rolls the TRUNCATE back).
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {VerificationReport._meta.db_table} CASCADE")
    assert not VerificationReport.objects.exists()
    workbook = reload(to_bytes(export_shiryo2(period)))
    assert document_sheet_names(workbook) == [NO_ROWS_SHEET]
    ws = workbook[NO_ROWS_SHEET]
    assert_printable_page(ws, SHIRYO2_WIDTHS)
    assert values(ws)[7] == list(SHIRYO2_HEADERS)
    assert ws["A9"].value == NO_ROWS
    assert "A9:F9" in merged(ws)
    assert ws.max_row == 9


def test_a_shiryo2_filter_that_selects_nothing_keeps_the_documents_title_meeting_and_note(period):
    report = VerificationReport.objects.get()
    period.meeting = "Ｒ5.11.20\u3000対策推進本部会議"
    period.save()
    assert report.note
    workbook = reload(to_bytes(export_shiryo2(period, only=set())))
    assert document_sheet_names(workbook) == [NO_ROWS_SHEET]
    ws = workbook[NO_ROWS_SHEET]
    assert_printable_page(ws, SHIRYO2_WIDTHS)
    assert (ws["A1"].value, ws["F1"].value) == (report.document_title, "資料２")
    assert ws["A2"].value == period.meeting
    assert ws["A2"].alignment.horizontal == "right"  # as on every chapter's sheet
    assert ws["A3"].value == report.note
    assert ws["A3"].alignment.horizontal != "right"
    assert values(ws)[7] == list(SHIRYO2_HEADERS)
    assert ws["A9"].value == NO_ROWS


def test_a_shiryo3_filter_that_selects_nothing_keeps_the_documents_title_and_mark(period):
    workbook = reload(to_bytes(export_shiryo3(period, only=set())))
    assert document_sheet_names(workbook) == [NO_ROWS_SHEET]
    ws = workbook[NO_ROWS_SHEET]
    assert_printable_page(ws, SHIRYO3_WIDTHS)
    assert (ws["A1"].value, ws["F1"].value) == (shiryo3_title(period), "資料３")
    assert values(ws)[2] == list(shiryo3_headers(period))
    assert ws["A4"].value == NO_ROWS


def test_a_category_without_initiatives_keeps_its_sheet_with_its_headings_and_no_rows(period):
    category = Category.objects.create(number=6, title="新しい分類")
    workbook = reload(to_bytes(export_shiryo3(period)))
    assert document_sheet_names(workbook)[-1] == "分類6"
    ws = workbook["分類6"]
    assert (ws["A1"].value, ws["F1"].value) == (shiryo3_title(period), "資料３")
    assert ws["A2"].value == str(category)
    assert values(ws)[2] == list(shiryo3_headers(period))
    assert ws.max_row == 3
