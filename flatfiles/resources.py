"""What every flat import/export (django-import-export Resource) of the admin shares.

- Columns carry Japanese headers, and related rows are written the way people write them
  (「保）保護課」, 「(1)イ(ｳ)」, 「R5H1」), never as ids. The widgets below turn those names
  back into rows and say in Japanese which name they could not find.
- Rows are identified by those natural keys (`import_id_fields`), unchanged rows are skipped, so
  importing an export again changes nothing.
- Every exported cell goes through escape_formula (the one place: `export_resource`), and the
  import undoes it.
- Each row is saved with the model's save(), so django-simple-history records every change with
  the importing user (HistoryRequestMiddleware), like any other change in the admin. The
  per-period tables, whose files run to thousands of rows, are checked without a query per row and
  written together at the end, with their history (BatchedFlatResource).
- Every problem of a row becomes one Japanese message on that row; the admin refuses the import
  as a whole when there is any (flatfiles/formats.py).
"""

import copy
import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    connections,
    transaction,
)
from django.db.models import Manager, QuerySet
from django.utils.encoding import force_str
from django.utils.timezone import localtime
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import Error, RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.marks import circled
from flatfiles.formats import fold_cp932
from flatfiles.spreadsheet import escape_formula, unescape_formula

LIST_SEPARATOR = "|"
EMPTY = (None, "")


class RowError(Exception):
    """A row that cannot be imported, with the reason in the user's words."""


# What a user is told when the database, not a check of ours, refuses a write: the import is
# rolled back whatever it was, and the database's own text is English and technical.
DATABASE_NUL = "文字 NUL（U+0000）は保存できません。その文字を消してから取り込んでください。"
DATABASE_INTEGRITY = (
    "ほかの行と重複しているか、関係するデータと合わないため保存できませんでした。"
    "ファイルの行を確かめて、もう一度取り込んでください。"
)
DATABASE_DATA = (
    "値が長すぎるか形式が合わないため保存できませんでした。ファイルの値を確かめてください。"
)
DATABASE_BUSY = (
    "ほかの保存と重なったため保存できませんでした。しばらくしてからもう一度取り込んでください。"
)
UNEXPECTED = (
    "予期しないエラー（{kind}）のため取り込めませんでした。"
    "何も保存していません。もう一度試し、続くときはシステム管理者に連絡してください。"
)
UNKNOWN_COLUMNS = (
    "列{columns}はこの表にありません。見出しは出力したときのままにしてください"
    "（この表にない列は、削除してから取り込んでください）。"
)
_JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def column_letter(number):
    """The spreadsheet letter of a 1-based column number: 1 → A, 27 → AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def user_error(error):
    """`error` as a RowError the user can act on; one whose message is ours (Japanese) as is."""
    text = str(error)
    if isinstance(error, RowError) or _JAPANESE.search(text):
        return error
    if "NUL (0x00)" in text:  # psycopg refuses it before PostgreSQL sees it
        return RowError(DATABASE_NUL)
    if isinstance(error, IntegrityError):
        return RowError(DATABASE_INTEGRITY)
    if isinstance(error, DataError):
        return RowError(DATABASE_DATA)
    if isinstance(error, OperationalError):
        return RowError(DATABASE_BUSY)
    kind = "データベース" if isinstance(error, DatabaseError) else type(error).__name__
    return RowError(UNEXPECTED.format(kind=kind))


def cell_text(value):
    """A cell as a trimmed string: Excel may give numbers (3, 3.0) where the file had text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return force_str(value).strip()


def normalized(text):
    """Full-width digits, letters and brackets as ASCII, half-width kana as full-width."""
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def _fold(text):
    return fold_cp932(text.replace("\r\n", "\n").replace("\r", "\n"))


def same_text(a, b):
    """Equal but for what a file format cannot keep: the line-break style (XLSX keeps no CR,
    browsers send CRLF) and the CP932 look-alikes (〜 and ～)."""
    return _fold(a) == _fold(b)


def verbose(model, name):
    return str(model._meta.get_field(name).verbose_name)


# -- Widgets: one cell <-> one value, with Japanese messages ----------


class TextWidget(widgets.CharWidget):
    """Free text, kept exactly as written (leading full-width spaces included)."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return force_str(value)


class RequiredMixin:
    def __init__(self, name, *, required=True, **kwargs):
        self.name = name
        self.required = required
        super().__init__(**kwargs)

    def empty(self):
        if self.required:
            raise ValueError(f"{self.name}を入力してください。")
        return None


class NumberWidget(RequiredMixin, widgets.Widget):
    """A whole number; full-width digits and ①② are read too."""

    def to_number(self, text):
        digits = normalized(text).strip("()")
        if not digits.isdecimal():
            raise ValueError(f"{self.name}「{text}」は数字で入力してください。")
        return int(digits)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        return self.to_number(text) if text else self.empty()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CircledNumberWidget(NumberWidget):
    """①②… as the documents number 提言 and 取組番号."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else circled(value)


class ParenNumberWidget(NumberWidget):
    """(1)(2)… as the documents number the chapters of 資料2."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"({value})"


class LetterWidget(NumberWidget):
    """ア イ ウ… (or (ｱ)(ｲ)…) for 1, 2, 3…; the number itself is read too."""

    def __init__(self, name, letters, render, **kwargs):
        self.letters = letters
        self.render_letter = render
        super().__init__(name, **kwargs)

    def to_number(self, text):
        letter = normalized(text).strip("()")
        if letter.isdecimal():
            return int(letter)
        if len(letter) == 1 and letter in self.letters:
            return self.letters.index(letter) + 1
        examples = f"{self.render_letter(1)} {self.render_letter(2)} …"
        raise ValueError(f"{self.name}「{text}」は {examples} で入力してください。")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.render_letter(value)


class YesNoWidget(RequiredMixin, widgets.Widget):
    YES = ("はい", "○", "〇", "1", "true", "yes")
    NO = ("いいえ", "×", "0", "false", "no", "")

    def __init__(self, name, **kwargs):
        super().__init__(name, required=False, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = normalized(cell_text(value)).lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(f"{self.name}は「はい」か「いいえ」で入力してください。")

    def render(self, value, obj=None, **kwargs):
        return "はい" if value else "いいえ"


class DateWidget(RequiredMixin, widgets.Widget):
    """A date as people type it, or as Excel shows a date cell (the reader gives every cell as
    its shown text): 2023-09-30, 2023/9/30, 2023年9月30日, 令和5年9月30日, R5.9.30."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")
    ERA_DATE = re.compile(r"(令和|平成|昭和|R|H|S)(元|\d{1,2})[年.](\d{1,2})[月.](\d{1,2})日?")
    ERA_START = {"令和": 2019, "R": 2019, "平成": 1989, "H": 1989, "昭和": 1926, "S": 1926}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = normalized(cell_text(value))
        if not text:
            return self.empty()
        for fmt in self.FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                pass
        era = self.ERA_DATE.fullmatch(text.upper())
        if era:
            name, year, month, day = era.groups()
            year = self.ERA_START[name] + (1 if year == "元" else int(year)) - 1
            try:
                return date(year, int(month), int(day))
            except ValueError:
                pass
        raise ValueError(f"{self.name}「{text}」は 2023-09-30 の形で入力してください。")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.isoformat()


class DateTimeWidget(widgets.Widget):
    """Shown only (更新日時)."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else localtime(value).strftime("%Y-%m-%d %H:%M")


class ChoiceWidget(RequiredMixin, widgets.Widget):
    """A choice by its label (下書き), its value (draft) also read."""

    def __init__(self, name, choices, *, message=None, **kwargs):
        self.choices = choices
        self.message = message
        super().__init__(name, **kwargs)

    def label(self, value):
        return self.choices(value).label

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return self.empty()
        for choice in self.choices:
            if text in (choice.value, choice.label):
                return choice.value
        labels = "「" + "」「".join(self.choices.labels) + "」"
        raise ValueError(self.message or f"{self.name}は{labels}から選んでください。")

    def render(self, value, obj=None, **kwargs):
        return "" if value in EMPTY else self.label(value)


class LookupMixin:
    """Finding rows by how people write them, once per import (each import gets its own copy of
    the widgets). `find(text, row)` looks one up: None when there is none, a ValueError with the
    reason when the text is ambiguous. `depends_on` names the other columns `find` reads.
    `preload()`, if given, yields every candidate at once as ((text, *depends_on values), obj),
    the text as the export writes it; a name not among them (written another way, or added by an
    earlier row of the same import) is still looked up with `find`."""

    def set_lookup(self, find, depends_on=(), preload=None):
        self.find = find
        self.depends_on = depends_on
        self.preload = preload
        self.found = {}

    def lookup(self, text, row):
        row = row or {}
        key = (text, *(cell_text(row.get(column)) for column in self.depends_on))
        if key not in self.found and self.preload is not None:
            self.found.update(self._preloaded())
            self.preload = None
        if key not in self.found:
            obj = self.find(text, row)
            if obj is None:
                return None
            self.found[key] = obj
        return self.found[key]

    def _preloaded(self):
        table, twice = {}, set()
        for key, obj in self.preload():
            if key in table:
                twice.add(key)  # ambiguous: left to find(), which says so
            table[key] = obj
        return {key: obj for key, obj in table.items() if key not in twice}


class NaturalKeyWidget(LookupMixin, RequiredMixin, widgets.Widget):
    """A foreign key by how people write the row: `key(obj)` writes it, the lookup (see
    LookupMixin) reads it back."""

    def __init__(self, name, *, key, find, depends_on=(), preload=None, **kwargs):
        self.key = key
        self.set_lookup(find, depends_on, preload)
        super().__init__(name, **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return self.empty()
        obj = self.lookup(text, row)
        if obj is None:
            raise ValueError(f"{self.name}「{text}」が見つかりません。")
        return obj

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.key(value)


class NaturalKeysWidget(LookupMixin, RequiredMixin, widgets.ManyToManyWidget):
    """A many-to-many by names joined with |, e.g. 「保）保護課|区）健康・子ども課」. Unknown names
    are an error (django-import-export's own widget would drop them silently)."""

    def __init__(self, name, *, model, key, find, preload=None, required=True):
        self.key = key
        self.set_lookup(find, preload=preload)
        super().__init__(name, required=required, model=model, separator=LIST_SEPARATOR)

    def clean(self, value, row=None, **kwargs):
        names = [part.strip() for part in cell_text(value).split(self.separator)]
        names = list(dict.fromkeys(name for name in names if name))
        if not names:
            self.empty()
            return []
        found = {name: self.lookup(name, row) for name in names}
        missing = [name for name, obj in found.items() if obj is None]
        if missing:
            quoted = "".join(f"「{name}」" for name in missing)
            raise ValueError(f"{self.name}{quoted}が見つかりません。")
        return list(found.values())

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.separator.join(self.key(o) for o in value.all())


def by(source, field):
    """find(text, row) for the widgets: the row of `source` (a model or queryset) whose `field`
    is the text."""

    def find(text, row):
        queryset = getattr(source, "_default_manager", source)
        return queryset.filter(**{field: text}).first()

    return find


def every(source, key):
    """preload() for the widgets: every row of `source` under the text `key(obj)` writes."""

    def preload():
        queryset = getattr(source, "_default_manager", source)
        return (((key(obj),), obj) for obj in queryset.all())

    return preload


def locked(queryset):
    """The rows, locked against other writers until the import ends when it runs in a
    transaction (the admin's imports always do): what the checks read stays true until the
    rows are written."""
    if transaction.get_connection(queryset.db).in_atomic_block:
        return queryset.select_for_update(of=("self",))
    return queryset


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds the rows a file names in one query: the stored rows by their import_id_fields."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        model = resource._meta.model
        self.id_fields = [
            model._meta.get_field(resource.fields[name].attribute)
            for name in resource.get_import_id_fields()
        ]
        self.stored = None

    def stored_key(self, obj):
        return tuple(getattr(obj, field.attname) for field in self.id_fields)

    def get_instance(self, row):
        if self.stored is None:
            self.stored = {self.stored_key(obj): obj for obj in self.resource.stored_rows()}
        values = self.resource.natural_key(row)
        instance = self.stored.get(as_key(values))
        if instance is not None:
            # The related rows of the key as the widgets found them: the same rows, loaded once
            # for the whole file with what the columns show (the import sets them anyway).
            for field, value in zip(self.id_fields, values, strict=True):
                if field.is_relation:
                    setattr(instance, field.name, value)
        return instance


def as_key(values):
    """Values as a dict key: related rows by their pk."""
    return tuple(getattr(value, "pk", value) for value in values)


# -- The base Resource ----------


class FlatResource(resources.ModelResource):
    """Declare every column as a Field with a Japanese column_name, list them in Meta.fields,
    and name the natural key in Meta.import_id_fields."""

    # Columns that must be in the file besides the import_id_fields.
    required_columns = ()
    # {field name: most characters}, checked with a message that names the column.
    text_limits = {}
    # select_related / prefetch_related for the export of many rows.
    export_select_related = ()
    export_prefetch_related = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False  # save() per row; BatchedFlatResource writes in bulk, with history
        instance_loader_class = NaturalKeyInstanceLoader

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name_plural)

    # Export

    def get_queryset(self):
        """Also what the import finds its rows in (stored_rows): with the relations the columns
        show."""
        return self.filter_export(super().get_queryset())

    def stored_rows(self):
        """The stored rows an import matches the file's rows against (NaturalKeyInstanceLoader)."""
        return self.get_queryset()

    def natural_key(self, row):
        """The values of the row's import_id_fields, related rows as the widgets find them."""
        return [self.fields[name].clean(row) for name in self.get_import_id_fields()]

    def filter_export(self, queryset, **kwargs):
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        if self.export_prefetch_related:
            queryset = queryset.prefetch_related(*self.export_prefetch_related)
        return queryset

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """Every cell of every export passes here: nothing a spreadsheet could run leaves."""
        values = super().export_resource(instance, selected_fields, **kwargs)
        return [escape_formula(value) for value in values]

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        title = str(self._meta.model._meta.verbose_name_plural)
        dataset.title = "".join(c for c in title if c not in "[]:*?/\\")[:31]
        return dataset

    # Import

    def get_user_visible_fields(self):
        """The import page's list of the columns it reads (not the shown-only ones)."""
        needed = {self.fields[name] for name in self.required_columns}
        return [
            field
            for field in super().get_user_visible_fields()
            if not field.readonly or field in needed
        ]

    def column_names(self, field_names):
        return [self.fields[name].column_name for name in field_names]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        columns = {
            fold_cp932(field.column_name): field.column_name for field in self.fields.values()
        }
        dataset.headers = [
            columns.get(fold_cp932(cell_text(header)), cell_text(header))
            for header in dataset.headers or []
        ]
        for index in reversed(range(dataset.height)):
            if all(cell_text(value) == "" for value in dataset[index]):
                del dataset[index]
        needed = self.column_names([*self.get_import_id_fields(), *self.required_columns])
        missing = [name for name in dict.fromkeys(needed) if name not in dataset.headers]
        if missing:
            # Without them no row can be identified: report the file, not every row.
            while dataset.height:
                del dataset[0]
            columns = "".join(f"「{name}」" for name in missing)
            raise RowError(f"列{columns}がありません。1行目の見出しを確かめてください。")
        unknown = self.unknown_columns(dataset)
        if unknown:
            # A renamed or misspelt heading would leave its column unread: every row "unchanged"
            # while the user believes the edits were imported.
            while dataset.height:
                del dataset[0]
            raise RowError(UNKNOWN_COLUMNS.format(columns=unknown))

    def unknown_columns(self, dataset):
        """The headings no column of this table has, and headless columns with values, as one
        text for the message ('' when there are none)."""
        known = {field.column_name for field in self.fields.values()}
        names = [f"「{h}」" for h in dict.fromkeys(dataset.headers) if h and h not in known]
        for index, header in enumerate(dataset.headers):
            if not header and any(cell_text(row[index]) for row in dataset):
                names.append(f"{column_letter(index + 1)}列目（見出しなし）")
        return "".join(names)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        for column, value in row.items():
            row[column] = unescape_formula(value)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        before = field.get_value(instance) if isinstance(field.widget, TextWidget) else None
        super().import_field(field, instance, row, is_m2m, **kwargs)
        if isinstance(before, str):
            after = field.get_value(instance)
            if isinstance(after, str) and after != before and same_text(after, before):
                setattr(instance, field.attribute, before)

    def import_instance(self, instance, row, **kwargs):
        """The fields' errors, many-to-many included, all at once."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if (
                isinstance(field.widget, widgets.ManyToManyWidget)
                and not field.readonly
                and field.column_name in row
            ):
                try:
                    field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged: every column the file has and the import writes holds the stored value.
        (The library's own check also compares the shown-only columns, whose related managers
        are never equal, and would call every row changed.)"""
        if import_validation_errors or instance.pk is None:
            return False
        for field in self.get_import_fields():
            if field.readonly or not field.attribute or field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                new = sorted(obj.pk for obj in field.clean(row))
                old = sorted(obj.pk for obj in field.get_value(original).all())
                if new != old:
                    return False
            elif field.get_value(instance) != field.get_value(original):
                return False
        return True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        for name, limit in self.text_limits.items():
            length = len(getattr(instance, name) or "")
            if length > limit and name not in errors:
                column = self.column_for(name)
                errors[name] = [
                    f"{column}は{limit}文字以内で入力してください（現在{length}文字）。"
                ]
        self.full_clean(instance, errors, validate_unique)

    def full_clean(self, instance, errors, validate_unique):
        """The model's own validation (full_clean), raised together with the errors so far."""
        super().validate_instance(instance, errors, validate_unique)

    def handle_import_error(self, result, error, raise_errors=False):
        super().handle_import_error(result, user_error(error), raise_errors)

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        for error in row_result.errors:
            error.error = user_error(error.error)
        if row_result.validation_error is not None:
            message = self.describe(row_result.validation_error)
            row_result.validation_error = None
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(
                Error(RowError(message), row=row, number=kwargs.get("row_number"))
            )
        return row_result

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        if user is not None:
            action = "add" if instance._state.adding else "change"
            opts = self._meta.model._meta
            if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
                verb = "追加" if action == "add" else "変更"
                raise RowError(f"{self.row_name(instance)}: この行を{verb}する権限がありません。")

    def row_name(self, instance):
        """How a message names the row."""
        return str(instance)

    # Messages

    def column_for(self, key):
        if key == NON_FIELD_ERRORS:
            return None
        for field in self.fields.values():
            if field.attribute in (key, f"{key}_id"):
                return field.column_name
        try:
            return verbose(self._meta.model, key)
        except Exception:
            return key

    def describe(self, error):
        """A ValidationError as one line: each message once, with its column where it does not
        already name it."""
        if not hasattr(error, "error_dict"):
            return " ".join(error.messages)
        lines = []
        for key, messages in error.message_dict.items():
            column = self.column_for(key)
            for message in messages:
                if column and not message.startswith(column):
                    message = f"{column}: {message}"
                if message not in lines:
                    lines.append(message)
        return " ".join(lines)


class ValuesUpdateQuerySet(QuerySet):
    """bulk_update() as one UPDATE … FROM unnest(…) per batch, each column's values passed as
    one array. Django's own writes CASE WHEN id = … THEN … for every row and column (about half a
    millisecond a cell to build in Python), and a VALUES list of thousands of rows costs nearly
    as much in placeholders to bind and parse; an array per column is one parameter."""

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        if not objs:
            return 0
        self._for_write = True
        connection = connections[self.db]
        quote = connection.ops.quote_name
        opts = self.model._meta
        columns = [opts.pk, *(opts.get_field(name) for name in fields)]
        # Typed like the columns: PostgreSQL would otherwise guess the arrays' types.
        arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
        table, pk = quote(opts.db_table), quote(opts.pk.column)
        names = ", ".join(quote(column.column) for column in columns)
        assignments = ", ".join(f"{quote(c.column)} = v.{quote(c.column)}" for c in columns[1:])
        sql = (
            f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v ({names}) "
            f"WHERE {table}.{pk} = v.{pk}"
        )
        batch_size = batch_size or len(objs)
        updated = 0
        with connection.cursor() as cursor:
            for start in range(0, len(objs), batch_size):
                batch = objs[start : start + batch_size]
                values = [[] for _ in columns]
                for obj in batch:
                    obj._prepare_related_fields_for_save(operation_name="bulk_update")
                    for column, column_values in zip(columns, values, strict=True):
                        value = getattr(obj, column.attname)
                        column_values.append(column.get_db_prep_save(value, connection))
                cursor.execute(sql, values)
                updated += cursor.rowcount
        return updated


ValuesUpdateManager = Manager.from_queryset(ValuesUpdateQuerySet)


def update_with_history(objs, fields, *, user, batch_size=1000):
    """simple_history's bulk_update_with_history (a history record per row, by `user`), with the
    UPDATE of ValuesUpdateQuerySet."""
    model = type(objs[0])
    manager = ValuesUpdateManager()
    manager.model = model  # as the model's own managers have it, without adding it to the model
    return bulk_update_with_history(
        objs, model, fields, batch_size=batch_size, default_user=user, manager=manager
    )


class BatchedFlatResource(FlatResource):
    """A FlatResource for the per-period tables, whose files run to thousands of rows. Each row is
    read and checked as in FlatResource, with the same messages, but without a query of its own;
    the changed rows are written together at the end, with their history records and the
    importing user, through simple_history's bulk functions (plain bulk writes would leave no
    history). A dozen queries a row (validation, save, history, the report's version) made such
    an import take 20 ms a row.

    Checked without asking the database per row:
    - The natural key: a stored row is found by it (the loader), and no two rows of a file may
      name the same row (validate_instance): the database would refuse the second new row, and a
      stored row named twice would be written twice.
    - The related rows a row names exist: the widgets found them.
    - The check constraints: by text_limits (lengths) and clean_fields (choices).
      tests/test_flat_import_batched.py lists each model's constraints, so that a new one cannot
      go unchecked here.
    The database still has the last word: a write it refuses is an error of the import, and any
    error rolls the whole import back.

    Only for models whose save() does nothing but save (bulk writes skip it) and without
    many-to-many columns (which the library does not write in bulk)."""

    class Meta:
        # The library then hands the rows save_instance() accepts to bulk_create() and
        # bulk_update() below, every batch_size rows and at the end, and no longer wraps each
        # row in a savepoint of its own (the import as a whole is still one transaction).
        use_bulk = True
        batch_size = 1000
        # The library deep-copies each row before reading the file into it, for skip_row and the
        # preview's diff: its related rows (report, period, action, policy, chapter…) included,
        # which cost more than anything else in a large import. after_init_instance makes a
        # shallow copy instead, and after_import_row the diff (as the library would).
        skip_diff = True

    # Related rows other than the key's that the columns show, each loaded once for the stored
    # rows (the key's come from the widgets, see NaturalKeyInstanceLoader).
    stored_prefetch_related = ()

    def stored_rows(self):
        # Not the export's query: its joins would give every stored row its own copy of each
        # related row, thousands of objects that cost more than reading the rows themselves.
        # No order either: the loader keys them.
        rows = self._meta.model._default_manager.order_by()
        return rows.prefetch_related(*self.stored_prefetch_related)

    def before_import(self, dataset, **kwargs):
        self.import_user = kwargs.get("user")
        self.rows_by_key = {}
        super().before_import(dataset, **kwargs)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        # The row as stored, before the file's values are read into it. Its fields are copied;
        # its related rows are shared, which is safe: reading the file sets related rows, never
        # changes one (no column writes through a relation, see test_flat_import_batched.py).
        self.instance, self.original = instance, copy.copy(instance)
        # The diff is for the preview (the dry run); the confirmed import shows only the counts.
        self.diff = None
        if kwargs.get("dry_run"):
            self.diff = self.get_diff_class()(self, self.original, new)
        # The first row of the file that names the same row: this one, unless it is named twice.
        number = kwargs.get("row_number")
        self.first_row = self.rows_by_key.setdefault(as_key(self.natural_key(row)), number)
        self.named_twice = self.first_row != number

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # `original` is None (skip_diff): the copy of after_init_instance serves instead.
        # A row named twice is never skipped, so that validate_instance reports it.
        if self.named_twice:
            return False
        return super().skip_row(instance, self.original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if self.named_twice:
            fields = dict.fromkeys([*self.required_columns, *self.get_import_id_fields()])
            columns = "".join(f"「{name}」" for name in self.column_names(fields))
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                f"{columns}が行番号 {self.first_row} の行と同じです。"
                "同じ行は1回だけ書いてください。"
            )
        super().validate_instance(instance, errors, validate_unique)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.diff is not None:
            self.diff.compare_with(self, self.instance)
            row_result.diff = self.diff.as_html()

    def full_clean(self, instance, errors, validate_unique):
        # Related rows that are set were found by their widgets, so they exist: no query per
        # foreign key (an empty one is still checked). Unique and check constraints: see above.
        found = [
            field.name
            for field in instance._meta.concrete_fields
            if field.is_relation and getattr(instance, field.attname) is not None
        ]
        try:
            instance.full_clean(
                exclude=[*errors, *found], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def get_bulk_update_fields(self):
        """Every column but the key, as save() writes them."""
        id_fields = {self.fields[name].attribute for name in self.get_import_id_fields()}
        return [
            field.name
            for field in self._meta.model._meta.concrete_fields
            if not field.primary_key and field.name not in id_fields
        ]

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=batch_size,
                    default_user=self.import_user,
                )
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            fields = self.get_bulk_update_fields()
            # What save() would do first: bulk_update() does not set auto_now fields (更新日時).
            auto_now = [
                field
                for field in self._meta.model._meta.concrete_fields
                if getattr(field, "auto_now", False)
            ]
            for instance in self.update_instances:
                for field in auto_now:
                    field.pre_save(instance, add=False)
            try:
                update_with_history(
                    self.update_instances,
                    fields,
                    user=self.import_user,
                    batch_size=batch_size or self._meta.batch_size,
                )
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.update_instances.clear()


__all__ = [
    "BatchedFlatResource",
    "ChoiceWidget",
    "CircledNumberWidget",
    "DateTimeWidget",
    "DateWidget",
    "Field",
    "FlatResource",
    "LetterWidget",
    "NaturalKeyWidget",
    "NaturalKeysWidget",
    "NumberWidget",
    "ParenNumberWidget",
    "RowError",
    "TextWidget",
    "YesNoWidget",
    "by",
    "cell_text",
    "every",
    "locked",
    "normalized",
    "verbose",
]


def text_field(model, name, **kwargs):
    """A text column headed by the model field's verbose name."""
    return Field(attribute=name, column_name=verbose(model, name), widget=TextWidget(), **kwargs)


def number_field(model, name, widget_class=None):
    """A number column headed by the model field's verbose name (as written, e.g. ① or ア)."""
    column = verbose(model, name)
    return Field(attribute=name, column_name=column, widget=(widget_class or NumberWidget)(column))
