"""What every flat import/export (django-import-export Resource) of the admin shares.

- Columns carry Japanese headers, and related rows are written the way people write them
  (「保）保護課」, 「(1)イ(ｳ)」, 「R5H1」), never as ids. The widgets below turn those names
  back into rows and say in Japanese which name they could not find.
- Rows are identified by those natural keys (`import_id_fields`), unchanged rows are skipped, so
  importing an export again changes nothing.
- Every exported cell goes through escape_formula (the one place: `export_resource`), and the
  import undoes it.
- Each row is saved with the model's save(), never in bulk, so django-simple-history records every
  change with the importing user (HistoryRequestMiddleware), like any other change in the admin.
- Every problem of a row becomes one Japanese message on that row; the admin refuses the import
  as a whole when there is any (portal/flat_formats.py).
"""

import unicodedata
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.encoding import force_str
from django.utils.timezone import localtime
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import Error, RowResult

from portal.flat_formats import fold_cp932
from portal.marks import circled
from portal.spreadsheet import escape_formula, unescape_formula

LIST_SEPARATOR = "|"
EMPTY = (None, "")


class RowError(Exception):
    """A row that cannot be imported, with the reason in the user's words."""


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
        if not digits.isdigit():
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
        if letter.isdigit():
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
    FORMATS = ("%Y-%m-%d", "%Y/%m/%d")

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


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds the rows a file names in one query: the stored rows by their import_id_fields."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.stored = None

    def stored_key(self, obj):
        key = []
        for field in self.id_fields:
            model_field = obj._meta.get_field(field.attribute)
            key.append(getattr(obj, model_field.attname))
        return tuple(key)

    def get_instance(self, row):
        if self.stored is None:
            self.stored = {self.stored_key(obj): obj for obj in self.get_queryset()}
        values = [field.clean(row) for field in self.id_fields]
        return self.stored.get(tuple(getattr(value, "pk", value) for value in values))


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
        use_bulk = False  # never: bulk writes bypass save() and so the history
        instance_loader_class = NaturalKeyInstanceLoader

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name_plural)

    # Export

    def get_queryset(self):
        """Also what the import finds its rows in: with the relations the columns show."""
        return self.filter_export(super().get_queryset())

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
        super().validate_instance(instance, errors, validate_unique)

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
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


__all__ = [
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
    "normalized",
    "verbose",
]
