"""The admin's flat import and export (one row per record): the file formats offered, and the
admin mixin every model admin uses.

Export: CSV in UTF-8 with a BOM (what Japanese Excel opens correctly), CSV in CP932 (Shift_JIS,
for old Excel) and XLSX. Import: CSV in UTF-8 (with or without a BOM) or CP932, found out from
the bytes, and XLSX. The formats are configured here, on the admin classes, not in settings.

Every file is read by flatfiles/safe_reader.py, as the document imports are: its limits, its
refusals (a formula, a control character, a broken cell, each named) and its messages.

The import is all or nothing: the dry run shows what would change, any error blocks the confirm
step, and the confirmed import runs in one transaction that is rolled back on any error.
"""

import tablib
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localdate
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm as LibraryImportForm
from import_export.forms import SelectableFieldsExportForm
from import_export.results import RowResult

from flatfiles import safe_reader

CSV_NEWLINE = "\r\n"

# Python's cp932 codec writes these characters as their Windows look-alikes, and reads those back
# (〜 U+301C becomes ～ U+FF5E): a CP932 file cannot tell them apart, so the import does not either.
CP932_LOOKALIKES = {
    "\uff5e": "\u301c",
    "\u2225": "\u2016",
    "\uff0d": "\u2212",
    "\uffe0": "\xa2",
    "\uffe1": "\xa3",
    "\uffe2": "\xac",
}


def fold_cp932(text):
    # A replace() per look-alike: several times faster than str.translate(), which looks up every
    # character in a table (an import folds every text cell it compares).
    for char, folded in CP932_LOOKALIKES.items():
        text = text.replace(char, folded)
    return text


def _dataset(rows):
    """A tablib Dataset of rows whose first is the headers."""
    dataset = tablib.Dataset(headers=list(rows[0]) if rows else [])
    for row in rows[1:]:
        dataset.append(row)
    return dataset


def encode_cp932(text):
    try:
        return text.encode("cp932")
    except UnicodeEncodeError as error:
        char = error.object[error.start]
        line = error.object.count("\n", 0, error.start) + 1
        raise ValueError(
            f"「{char}」（U+{ord(char):04X}、{line}行目付近）は Shift_JIS（CP932）で表せません。"
            "「CSV（UTF-8 BOM付き）」か「Excel（xlsx）」で出力してください。"
        ) from None


class _NamedFormat:
    """A tablib format under a Japanese name. django-import-export shows get_title() in the
    format dropdown but also passes it to tablib as the format's name, so every use of tablib
    here names the format itself."""

    label = ""

    def get_title(self):
        return self.label

    def tablib_name(self):
        return self.get_format().title


class CSVUtf8Bom(_NamedFormat, base_formats.CSV):
    label = "CSV（UTF-8 BOM付き）"

    # Bytes both ways: the encoding is decided here, not by the admin's one `to_encoding`.
    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return _dataset(safe_reader.read_csv(in_stream))

    def export_text(self, dataset, **kwargs):
        return dataset.export(self.tablib_name(), lineterminator=CSV_NEWLINE, **kwargs)

    def export_data(self, dataset, **kwargs):
        return self.export_text(dataset, **kwargs).encode("utf-8-sig")


class CSVCp932(CSVUtf8Bom):
    label = "CSV（Shift_JIS／CP932）"
    filename_suffix = "-sjis"

    def export_data(self, dataset, **kwargs):
        return encode_cp932(self.export_text(dataset, **kwargs))


class CSVAnyEncoding(CSVUtf8Bom):
    """For import: the encoding is read from the bytes, so one choice serves every CSV."""

    label = "CSV（UTF-8／Shift_JIS 自動判別）"


class XLSX(_NamedFormat, base_formats.XLSX):
    label = "Excel（xlsx）"

    def create_dataset(self, in_stream):
        """The first sheet, every cell as the text Excel shows; rows cut to the header's width,
        empty rows left out."""
        book = safe_reader.open_xlsx(in_stream)
        try:
            rows = book.worksheets[0].rows()  # open_xlsx refuses a workbook without sheets
        finally:
            book.close()
        headers = list(rows[0]) if rows else []
        while headers and headers[-1] == "":
            headers.pop()
        width = len(headers)
        table = [row[:width] for row in rows[1:] if width and any(row[:width])]
        return _dataset([headers, *table])

    def export_data(self, dataset, **kwargs):
        from openpyxl.utils.exceptions import IllegalCharacterError

        try:
            return dataset.export(self.tablib_name(), **kwargs)
        except IllegalCharacterError:
            raise ValueError(
                "Excel に書き込めない制御文字が含まれています。CSV で出力してください。"
            ) from None


EXPORT_FORMATS = [CSVUtf8Bom, CSVCp932, XLSX]
IMPORT_FORMATS = [CSVAnyEncoding, XLSX]


class ImportForm(LibraryImportForm):
    def clean_import_file(self):
        """The size first: the library reads the whole upload into memory before anything else
        looks at it."""
        upload = self.cleaned_data["import_file"]
        if upload.size == 0:
            raise ValidationError(safe_reader.EMPTY_FILE)
        if upload.size > safe_reader.MAX_FILE_BYTES:
            raise ValidationError(safe_reader.FILE_TOO_LARGE)
        return upload


class ExportForm(SelectableFieldsExportForm):
    """The export page's column checkboxes, labelled with the file's own headers."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


def _counts(result):
    totals = result.totals
    return (
        f"新規 {totals[RowResult.IMPORT_TYPE_NEW]}件、"
        f"変更 {totals[RowResult.IMPORT_TYPE_UPDATE]}件、"
        f"変更なし {totals[RowResult.IMPORT_TYPE_SKIP]}件"
    )


def error_lines(result, limit=20):
    """Every error of an import as 「行番号 n: reason」 (n counts data rows, the header not)."""
    lines = [str(error.error) for error in result.base_errors]
    for number, errors in result.row_errors():
        lines.extend(f"行番号 {number}: {error.error}" for error in errors)
    for row in result.invalid_rows:
        lines.extend(f"行番号 {row.number}: {message}" for message in row.error.messages)
    return lines[:limit] + ([f"ほか {len(lines) - limit}件"] if len(lines) > limit else [])


class FlatImportExportMixin(ImportExportMixin):
    """Import and export for a model admin; put it before the ModelAdmin base classes.

    Which columns a model has is its Resource's business (`resource_classes`, see the apps'
    resources.py); everything shared is in flatfiles/resources.py.
    """

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    export_form_class = ExportForm
    import_form_class = ImportForm
    import_error_display = ("message",)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # All or nothing, even if the data changed between the dry run and the confirm.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, safe_reader.Refused):  # says what is wrong and what to do
            form.add_error("import_file", e.message)
            return
        form.add_error(
            "import_file",
            "ファイルを読み込めませんでした。"
            "選んだ形式（CSV／Excel）とファイルが合っているか確かめてください。",
        )

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = (getattr(response, "context_data", None) or {}).get("result")
        if result is not None:
            if result.has_errors() or result.has_validation_errors():
                messages.error(
                    request,
                    "エラーがあるため取り込めません。何も保存していません。"
                    "ファイルを直して、もう一度選んでください"
                    "（行番号は見出しの次の行を 1 と数えます）。",
                )
            else:
                messages.info(
                    request,
                    f"取り込みの確認（まだ保存していません）：{_counts(result)}。"
                    "内容を確かめて「インポート実行」を押してください。",
                )
        return response

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The transaction was rolled back: say why, and offer the import page again.
            messages.error(
                request,
                format_html(
                    "取り込みを中止しました。何も保存していません。<ul>{}</ul>",
                    format_html_join("", "<li>{}</li>", ((line,) for line in error_lines(result))),
                ),
            )
            app_label, model_name = self.get_model_info()
            return HttpResponseRedirect(
                reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
            )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(
            request,
            format_html(
                "{}を取り込みました：{}。", self.model._meta.verbose_name_plural, _counts(result)
            ),
        )

    def get_export_filename(self, request, queryset, file_format):
        suffix = getattr(file_format, "filename_suffix", "")
        date = localdate().isoformat()
        return f"{self.model.__name__}-{date}{suffix}.{file_format.get_extension()}"
