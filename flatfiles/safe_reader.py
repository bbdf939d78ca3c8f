"""The one way every import reads an uploaded spreadsheet: the document upload and commands
(documents/imports.py) and the admin's flat CSV / XLSX import (flatfiles/formats.py).

A file from outside may be wrong in any way, by mistake or on purpose, so nothing here trusts it:

- Sizes are checked before anything is unpacked: the file, the sum of the sizes the zip declares
  for its members (Python's zipfile never unpacks more than a member declares), the number of
  sheets, shared strings, rows, columns and XML tags read.
- The XML is read by expat as a stream, in chunks, without a DTD (no entities), and every
  handler knows the cell it is in: an XML error (a NUL, a raw control character, a lone
  surrogate, CESU-8 bytes, U+FFFE) is reported with its sheet and cell, never as a crash.
- No cell may hold more than MAX_TEXT_LENGTH characters, checked while the text streams in: the
  reading stops at the first character over the limit, so a small file hiding 150 MB in one cell
  costs no more than a small file.
- A formula is refused with its cell named: its cached value is what some program last computed
  (often nothing), never what the user sees. Numbers and dates are read as the text Excel shows
  for them (2023/10/1, not 2023-10-01 00:00:00), so every cell is text.
- Control characters other than TAB and line breaks are refused with the cell named (Excel writes
  them as _x0001_, which is decoded first).

Every refusal is a Refused with a message in Japanese that says what to do.
"""

import csv
import io
import math
import os
import re
import zipfile
import zlib
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.parsers import expat

from core.limits import MAX_TEXT_LENGTH

MAX_FILE_BYTES = 10 * 1024 * 1024
# An xlsx is a zip of XML; ours compress about 10:1.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_SHEETS = 1000
MAX_ROWS = 100_000
MAX_COLUMNS = 50
MAX_SHARED_STRINGS = 500_000
# Reading XML costs a microsecond or two an element whatever the element: the number of tags
# (start and end) bounds the time a file can take, about a second of CPU at most. The 資料2 of
# ten times the seed has about 80,000; a flat import of 5,000 rows of ten columns 300,000.
MAX_XML_TAGS = 1_000_000
CHUNK_BYTES = 64 * 1024

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0"
ZIP_SIGNATURE = b"PK\x03\x04"

EMPTY_FILE = "ファイルが空です。"
FILE_TOO_LARGE = "ファイルが大きすぎます（上限 10 MB）。"
OLD_XLS = (
    "Excel 97-2003 形式（.xls）またはパスワード付きのファイルは読み込めません。"
    "パスワードを外し、Excel ブック（.xlsx）として保存し直してください。"
)
NOT_XLSX = (
    "Excel ブック（.xlsx）として読み込めません。"
    "このシステムから出力した .xlsx ファイルを指定してください。"
)
ENCRYPTED = (
    "パスワードで保護（暗号化）されたファイルは読み込めません。Excel でパスワードを外して"
    "（ファイル → 情報 → ブックの保護 → パスワードを使用して暗号化 を空にする）"
    "保存し直してから取り込んでください。"
)
# A file of another kind, perhaps renamed to .xlsx or .csv: said by its kind, not as broken.
WRONG_KIND = (
    "{kind}のファイルは読み込めません。{wanted}を指定してください"
    "（ファイル名の拡張子を変えただけでは読めません。表計算ソフトで開き、その形式で保存し直して"
    "ください）。"
)
WANTED_XLSX = "Excel ブック（.xlsx）"
WANTED_TABLE = "CSV（UTF-8 または Shift_JIS）か Excel ブック（.xlsx）"
KIND_PDF = "PDF"
KIND_ODS = "OpenDocument スプレッドシート（.ods）"
KIND_ODF = "OpenDocument（.odt など）"
KIND_WORD = "Word 文書（.docx）"
KIND_POWERPOINT = "PowerPoint（.pptx）"
KIND_IMAGE = "画像"
UNPACKED_TOO_LARGE = "ファイルの中身が大きすぎます（展開後 200 MB まで）。"
TOO_MANY_SHEETS = f"シートが多すぎます（{MAX_SHEETS} 枚まで）。"
TOO_MANY_ROWS = f"行が多すぎます（{MAX_ROWS} 行まで）。"
TOO_MANY_COLUMNS = f"列が多すぎます（{MAX_COLUMNS} 列まで）。"
TOO_MANY_STRINGS = (
    f"文字列が多すぎます（{MAX_SHARED_STRINGS:,} 個まで）。不要な行やシートを削除してください。"
)
TOO_MANY_ELEMENTS = (
    "ファイルの中身（セル・行・書式）が多すぎて読み込めません。"
    "不要な行やシートを削除してから取り込んでください。"
)
BROKEN_FILE = (
    "ファイルの「{part}」が壊れていて読めません。Excel で開いて保存し直してから取り込んでください。"
)
BAD_XML_IN_CELL = (
    "{sheet} の {cell} に Excel で使えない文字（NUL などの制御文字や壊れた文字）が"
    "含まれていて読めません。そのセルを入力し直してから取り込んでください。"
)
BROKEN_SHEET = (
    "{sheet} が壊れていて読めません（XML の {line}行目）。"
    "Excel で開いて保存し直してから取り込んでください。"
)
CELL_TOO_LONG = (
    f"{{sheet}} の {{cell}} が長すぎます（{MAX_TEXT_LENGTH}文字まで）。"
    "短くしてから取り込んでください。"
)
STRINGS_CUT = (
    f"{{sheet}} の {{cell}} を読めません。ファイルの中に {MAX_TEXT_LENGTH}文字を超える文字列が"
    "あるため、そこから先の文字列を読んでいません。長すぎるセルを短くしてから取り込んでください。"
)
FORMULA = "{sheet} の {cell} は数式です。値として貼り付けてから取り込んでください。"
CONTROL_CHARACTER = (
    "{sheet} の {cell} に使えない制御文字（{code}）があります。"
    "その文字を消してから取り込んでください。"
)
# CSV (the admin's flat import)
CSV_ENCODING = (
    "文字コードを判別できませんでした。UTF-8 か Shift_JIS（CP932）の CSV にしてください。"
)
CSV_ENCODING_AT = (
    "文字コードを判別できませんでした。{row}行目に UTF-8 としても Shift_JIS（CP932）としても"
    "読めない文字があります。UTF-8 か Shift_JIS（CP932）の CSV として保存し直してください。"
)
CSV_UTF16 = (
    "UTF-16（Excel の「Unicode テキスト」など）のファイルは読み込めません。"
    "Excel で「CSV UTF-8（コンマ区切り）」として保存し直してください。"
)
CSV_BROKEN = (
    "CSV の {row}行目が読めません（引用符の閉じ忘れや、長すぎる値）。"
    "Excel などで保存し直してください。"
)
CSV_CONTROL_CHARACTER = (
    "{row}行目の「{column}」に使えない制御文字（{code}）があります。"
    "その文字を消してから取り込んでください。"
)
CSV_IS_EXCEL = (
    "CSV ではなく Excel のファイルです。ファイルの形式で「Excel（xlsx）」を選んでください"
    "（.xls は Excel で .xlsx として保存し直してください）。"
)
CSV_TOO_WIDE = "{row}行目に見出しのない列の値があります。1行目の見出しと列をそろえてください。"


class Refused(ValueError):
    """A file (or a cell of it) that cannot be read: the import stops with this one message.
    `sheet` and `row` say where, when the message is about one place."""

    def __init__(self, message, sheet="", row=None):
        super().__init__(message)
        self.message, self.sheet, self.row = message, sheet, row


# -- Characters ----------

# Excel writes a character XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_x).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# C0 and C1 controls but TAB, LF and CR; surrogates; the non-characters U+FFFE and U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def unescape(text):
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def forbidden_character(text):
    """'U+0001' for the first character an import refuses in `text`, or None."""
    match = _FORBIDDEN.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


# -- The file ----------


def read_bytes(file):
    """The bytes of `file` (bytes, a path or a binary stream), at most one byte over the limit:
    enough to know the file is too large."""
    if isinstance(file, bytes | bytearray):
        return bytes(file[: MAX_FILE_BYTES + 1])
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as stream:
            return stream.read(MAX_FILE_BYTES + 1)
    return file.read(MAX_FILE_BYTES + 1)


def check_size(data):
    if not data:
        raise Refused(EMPTY_FILE)
    if len(data) > MAX_FILE_BYTES:
        raise Refused(FILE_TOO_LARGE)


# The name of the stream an encrypted Office file keeps its key in, as an OLE2 directory holds it.
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
ZIP_KINDS = {
    "word/document.xml": KIND_WORD,
    "ppt/presentation.xml": KIND_POWERPOINT,
}


def _ole2_refusal(data):
    """An OLE2 compound file: an encrypted (password-protected) xlsx, or an old .xls."""
    return Refused(ENCRYPTED if ENCRYPTION_STREAM in data else OLD_XLS)


def _kind(data):
    """The name of a kind of file that is no spreadsheet this portal reads, or None."""
    if data.startswith(b"%PDF"):
        return KIND_PDF
    if data.startswith(IMAGE_SIGNATURES):
        return KIND_IMAGE
    if not data.startswith(ZIP_SIGNATURE):
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
            mimetype = archive.read("mimetype")
            return KIND_ODS if b"opendocument.spreadsheet" in mimetype else KIND_ODF
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, zlib.error):
        return None
    return next((kind for name, kind in ZIP_KINDS.items() if name in names), None)


def open_xlsx(file):
    """The workbook in `file`, after the checks that keep a hostile or wrong file from being
    unpacked at all. Its sheets are read later, one at a time (Sheet.rows)."""
    data = read_bytes(file)
    check_size(data)
    if data.startswith(OLE2_SIGNATURE):
        raise _ole2_refusal(data)
    kind = _kind(data)
    if kind is not None:
        raise Refused(WRONG_KIND.format(kind=kind, wanted=WANTED_XLSX))
    if not data.startswith(ZIP_SIGNATURE):
        raise Refused(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refused(NOT_XLSX) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise Refused(UNPACKED_TOO_LARGE)
    return Workbook(archive)


@dataclass
class Sheet:
    workbook: "Workbook"
    title: str
    path: str
    # Merged ranges as (min_row, min_col, max_row, max_col), known once the rows are read (the
    # XML lists them after the cells).
    merged: list = field(default_factory=list)

    def rows(self, max_col=MAX_COLUMNS):
        """Every row from the first, as tuples of `max_col` texts ('' for an empty cell); rows
        that are not in the file come as empty rows."""
        return self.workbook.read_sheet(self, max_col)


class Workbook:
    def __init__(self, archive):
        self.archive = archive
        self.names = set(archive.namelist())
        self.tags = 0
        self._strings = None
        self._styles = None
        self.date1904 = False
        self.worksheets = self._sheets()

    def close(self):
        self.archive.close()

    # The parts of the package

    def _parse(self, path, handlers, *, sheet="", cell=None, xml_error=None):
        """Stream the part `path` through expat with `handlers` (start, end, text). `cell()`
        names the cell being read, for the message of an XML error; `xml_error()`, if given,
        handles such an error instead."""
        if path not in self.names:
            raise Refused(NOT_XLSX)
        start, end, text = handlers
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = CHUNK_BYTES
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def no_dtd(*args):
            # No DTD, so no entities to expand: a real workbook never has one.
            if sheet:
                line = parser.CurrentLineNumber
                raise Refused(BROKEN_SHEET.format(sheet=sheet, line=line), sheet)
            raise Refused(BROKEN_FILE.format(part=path))

        parser.StartDoctypeDeclHandler = no_dtd
        parser.EntityDeclHandler = no_dtd

        def root(name, attrs):
            # Elements are matched by their local names. Most writers use the default namespace;
            # for one that writes a prefix (x:row), every name is stripped of it first.
            if ":" in name:
                parser.StartElementHandler = lambda n, a: start(n.rpartition(":")[2], a)
                if end is not None:
                    parser.EndElementHandler = lambda n: end(n.rpartition(":")[2])
            else:
                parser.StartElementHandler = start
                if end is not None:
                    parser.EndElementHandler = end
            start(name.rpartition(":")[2], attrs)

        parser.StartElementHandler = root
        if text is not None:
            parser.CharacterDataHandler = text
        try:
            with self.archive.open(path) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    # Every element costs a Python call or two: counting their tags beforehand,
                    # at the speed of bytes.count, bounds the time a file can take.
                    self.tags += chunk.count(b"<")
                    if self.tags > MAX_XML_TAGS:
                        raise Refused(TOO_MANY_ELEMENTS)
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except expat.ExpatError as error:
            if xml_error is not None:
                return xml_error()
            where = cell() if cell else None
            if where:
                raise Refused(
                    BAD_XML_IN_CELL.format(sheet=sheet, cell=where),
                    sheet,
                    _row_of(where),
                ) from None
            if sheet:
                raise Refused(BROKEN_SHEET.format(sheet=sheet, line=error.lineno), sheet) from None
            raise Refused(BROKEN_FILE.format(part=path)) from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
            if isinstance(error, Refused):
                raise
            raise Refused(BROKEN_FILE.format(part=path)) from None

    def _relations(self, path):
        """{id: (type, target path)} of the part's relationships ("" for the package's own)."""
        folder, name = path.rsplit("/", 1) if "/" in path else ("", path)
        rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        found = {}

        def start(tag, attrs):
            if tag == "Relationship" and "Id" in attrs and "Target" in attrs:
                found[attrs["Id"]] = (attrs.get("Type", ""), _resolve(folder, attrs["Target"]))

        if rels in self.names:
            self._parse(rels, (start, None, None))
        return found

    def _sheets(self):
        main = next(
            (
                target
                for kind, target in self._relations("").values()
                if kind.endswith("/officeDocument")
            ),
            "xl/workbook.xml",
        )
        relations = self._relations(main)
        sheets = []

        def start(tag, attrs):
            if tag == "workbookPr":
                self.date1904 = attrs.get("date1904") in ("1", "true")
            elif tag == "sheet":
                if len(sheets) == MAX_SHEETS:
                    raise Refused(TOO_MANY_SHEETS)
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
                kind, target = relations.get(rid, ("", ""))
                if kind.endswith("/worksheet") or not kind:
                    sheets.append(Sheet(self, attrs.get("name", ""), target))

        self._parse(main, (start, None, None))
        self._style_parts = [
            target for kind, target in relations.values() if kind.endswith("/styles")
        ]
        self._string_parts = [
            target for kind, target in relations.values() if kind.endswith("/sharedStrings")
        ]
        sheets = [sheet for sheet in sheets if sheet.path]
        if not sheets:  # nothing to read is not an empty import
            raise Refused(NOT_XLSX)
        return sheets

    # Shared strings and number formats, read once when the first sheet is read

    def strings(self):
        if self._strings is None:
            self._strings = SharedStrings()
            for path in self._string_parts[:1]:
                self._strings.read(self, path)
        return self._strings

    def styles(self):
        """The number format code of each cell style (the s attribute of a cell)."""
        if self._styles is None:
            self._styles = []
            formats = dict(BUILTIN_FORMATS)
            where = []

            def start(tag, attrs):
                if tag == "numFmt" and "numFmtId" in attrs:
                    formats[_int(attrs["numFmtId"])] = attrs.get("formatCode", "")
                elif tag == "cellXfs":
                    where.append(tag)
                elif tag == "xf" and where:
                    self._styles.append(_int(attrs.get("numFmtId", "0")))

            def end(tag):
                if tag == "cellXfs" and where:
                    where.pop()

            for path in self._style_parts[:1]:
                self._parse(path, (start, end, None))
            self._styles = [formats.get(number, "General") for number in self._styles]
        return self._styles

    # A sheet

    def read_sheet(self, sheet, max_col):
        strings, styles = self.strings(), self.styles()
        reader = _SheetReader(self, sheet, strings, styles, max_col)
        self._parse(
            sheet.path,
            (reader.start, reader.end, reader.text),
            sheet=sheet.title,
            cell=lambda: reader.ref,
        )
        sheet.merged = reader.merged
        return reader.result()


class _StopReading(Exception):
    pass


class SharedStrings:
    """The workbook's table of texts (Excel keeps each text once there; cells name its index).
    Read up to its first string over the limit, or its first XML error: a cell showing that
    string or a later one is refused by name."""

    def __init__(self):
        self.items = []
        self.too_long_at = None  # the index of the first string over the limit

    def read(self, workbook, path):
        parts, depth = [], {"si": 0, "rPh": 0, "t": 0}
        length = [0]

        def start(tag, attrs):
            if tag in depth:
                depth[tag] += 1
            if tag == "si":
                parts.clear()
                length[0] = 0

        def end(tag):
            if tag in depth:
                depth[tag] -= 1
            if tag == "si":
                if len(self.items) == MAX_SHARED_STRINGS:
                    raise Refused(TOO_MANY_STRINGS)
                self.items.append("".join(parts))

        def text(data):
            # Only the text runs of the string, not its phonetic guide (furigana, rPh).
            if depth["si"] and depth["t"] and not depth["rPh"]:
                length[0] += len(data)
                if length[0] > MAX_TEXT_LENGTH:
                    self.too_long_at = len(self.items)
                    raise _StopReading
                parts.append(data)

        # On an XML error the strings read so far stand; a cell showing a later one is refused
        # by name (SharedStrings.get gives None).
        with suppress(_StopReading):
            workbook._parse(path, (start, end, text), xml_error=lambda: None)

    def get(self, index):
        if 0 <= index < len(self.items):
            return self.items[index]
        return None


class _SheetReader:
    def __init__(self, workbook, sheet, strings, styles, max_col):
        self.workbook, self.sheet = workbook, sheet
        self.strings, self.styles, self.max_col = strings, styles, max_col
        self.cells = {}  # {row: {column: text}}
        self.merged = []
        self.ref = None  # the cell being read, for messages
        self.row_number = 0
        self.column = 0
        self.in_value = self.in_text = self.in_phonetic = 0
        self.parts, self.length = [], 0
        self.current = None

    def refuse(self, template, **kwargs):
        raise Refused(
            template.format(sheet=self.sheet.title, cell=self.ref, **kwargs),
            self.sheet.title,
            self.row_number,
        )

    def start(self, tag, attrs):
        if tag == "row":
            self.row_number = _int(attrs.get("r")) or self.row_number + 1
            self.column = 0
        elif tag == "c":
            ref = attrs.get("r")
            if ref:
                column, row = _split_ref(ref)
                self.column = column or self.column + 1
                self.row_number = row or self.row_number
            else:
                self.column += 1
            self.ref = f"{_column_letter(self.column)}{self.row_number}"
            self.current = {"t": attrs.get("t", "n"), "s": _int(attrs.get("s", "0")), "v": None}
            self.parts, self.length = [], 0
        elif self.current is None:
            if tag == "mergeCell" and "ref" in attrs:
                bounds = _range(attrs["ref"])
                if bounds:
                    self.merged.append(bounds)
        elif tag == "f":
            self.refuse(FORMULA)
        elif tag == "v":
            self.in_value += 1
        elif tag == "rPh":
            self.in_phonetic += 1
        elif tag == "t":
            self.in_text += 1

    def text(self, data):
        if (self.in_value or (self.in_text and not self.in_phonetic)) and self.current:
            self.length += len(data)
            if self.length > MAX_TEXT_LENGTH:
                self.refuse(CELL_TOO_LONG)
            self.parts.append(data)

    def end(self, tag):
        if tag == "v":
            self.in_value -= 1
        elif tag == "t":
            self.in_text -= 1
        elif tag == "rPh":
            self.in_phonetic -= 1
        elif tag == "c" and self.current is not None:
            self.finish_cell()
            self.current = None
            self.ref = None

    def finish_cell(self):
        raw = "".join(self.parts)
        kind = self.current["t"]
        if not raw and kind != "inlineStr":
            return
        value = self.shown(kind, raw)
        if value == "":
            return
        if self.row_number > MAX_ROWS:
            raise Refused(TOO_MANY_ROWS, self.sheet.title)
        if self.column > MAX_COLUMNS:
            raise Refused(TOO_MANY_COLUMNS, self.sheet.title)
        code = forbidden_character(value)
        if code:
            self.refuse(CONTROL_CHARACTER, code=code)
        if self.column <= self.max_col:
            self.cells.setdefault(self.row_number, {})[self.column] = value

    def result(self):
        """Rows 1 to the last with a value, each `max_col` texts wide."""
        empty = ("",) * self.max_col
        last = max(self.cells, default=0)
        return [
            tuple(row.get(c, "") for c in range(1, self.max_col + 1))
            if (row := self.cells.get(number))
            else empty
            for number in range(1, last + 1)
        ]

    def shown(self, kind, raw):
        """The cell's text as Excel shows it."""
        if kind == "s":
            index = _int(raw.strip(), None)
            text = self.strings.get(index) if index is not None else None
            if text is None:
                cut = self.strings.too_long_at
                if index == cut:
                    self.refuse(CELL_TOO_LONG)
                if cut is not None and index is not None and index > cut:
                    self.refuse(STRINGS_CUT)
                self.refuse(BAD_XML_IN_CELL)  # past a string that could not be read, or none
            return unescape(text)
        if kind in ("inlineStr", "str"):
            return unescape(raw)
        if kind == "b":
            return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
        if kind == "e":
            return raw.strip()
        if kind == "d":
            try:
                moment = datetime.fromisoformat(raw.strip())
            except ValueError:
                return raw.strip()
            serial = (moment - EPOCH).total_seconds() / 86400
            return format_number(serial, self.code(), date1904=False)
        try:
            number = float(raw)
        except ValueError:
            return raw.strip()
        return format_number(number, self.code(), date1904=self.workbook.date1904)

    def code(self):
        style = self.current["s"]
        return self.styles[style] if 0 <= style < len(self.styles) else "General"


def _resolve(folder, target):
    if target.startswith("/"):
        return target[1:]
    parts = [p for p in folder.split("/") if p]
    for part in target.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts)


def _int(text, default=0):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")


def _split_ref(ref):
    match = _REF.match(ref)
    if not match:
        return 0, 0
    letters, digits = match.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column, int(digits)


def _row_of(ref):
    return _split_ref(ref)[1] or None


def _range(ref):
    first, _, last = ref.partition(":")
    (c1, r1), (c2, r2) = _split_ref(first), _split_ref(last or first)
    if not (c1 and r1 and c2 and r2):
        return None
    return (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def _column_letter(column):
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row, column):
    """D12 for row 12, column 4."""
    return f"{_column_letter(column)}{row}"


# -- Numbers as Excel shows them ----------

EPOCH = datetime(1899, 12, 30)
EPOCH_1904 = datetime(1904, 1, 1)

# Excel's built-in number formats as a Japanese Excel shows them (ids 27-36 and 50-58 are the
# Japanese ones).
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "General",
    13: "General",
    14: "yyyy/m/d",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "yyyy/m/d h:mm",
    27: "[$-411]ge.m.d",
    28: '[$-411]ggge"年"m"月"d"日"',
    29: '[$-411]ggge"年"m"月"d"日"',
    30: "m/d/yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"時"mm"分"',
    33: 'h"時"mm"分"ss"秒"',
    34: 'yyyy"年"m"月"',
    35: 'm"月"d"日"',
    36: "[$-411]ge.m.d",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;(#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;(#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mm:ss.0",
    48: "##0.0E+0",
    49: "@",
    50: "[$-411]ge.m.d",
    51: '[$-411]ggge"年"m"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: '[$-411]ggge"年"m"月"d"日"',
    55: 'yyyy"年"m"月"',
    56: 'm"月"d"日"',
    57: "[$-411]ge.m.d",
    58: '[$-411]ggge"年"m"月"d"日"',
}

# (first day, name, initial) of the Japanese eras, newest first.
ERAS = [
    (datetime(2019, 5, 1), "令和", "R"),
    (datetime(1989, 1, 8), "平成", "H"),
    (datetime(1926, 12, 25), "昭和", "S"),
    (datetime(1912, 7, 30), "大正", "T"),
    (datetime(1868, 1, 1), "明治", "M"),
]
WEEKDAYS_JA = "月火水木金土日"
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

# A format code's pieces: quoted text, an escaped character, a bracket ([Red], [$-411], [h]),
# date and time letters, or any other single character.
_TOKEN = re.compile(
    r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|'
    r"yyyy|yy|e+|g+|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|aaaa|aaa|hh|h|ss|s|AM/PM|A/P|\.0+|.",
    re.IGNORECASE,
)
_DATE_LETTERS = re.compile(r"[ymdhseg]|aaa", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"E[+-]", re.IGNORECASE)
_GROUPING = re.compile(r"[#0?],[#0?]")


def general(number):
    """A number as Excel's General format shows a typed number: 3, 3.14, 1E+20."""
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    text = repr(number)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}E{int(exponent):+03d}"
    return text


def _sections(code):
    sections, current, quoted = [], "", False
    for char in code:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += char
    return [*sections, current]


def _is_date(tokens):
    for token in tokens:
        if token.startswith(('"', "\\", "_", "*")):
            continue
        if token.startswith("["):
            if token.lower() in ("[h]", "[hh]", "[m]", "[mm]", "[s]", "[ss]"):
                return True
            continue
        if _DATE_LETTERS.match(token) and token.lower() not in ("e+", "e-"):
            return True
    return False


def format_number(number, code, *, date1904=False):
    """`number` as Excel shows it with the format `code` (the common codes: General, 0, 0.00,
    #,##0, percentages, dates and times, Japanese eras); anything rarer as General."""
    if not math.isfinite(number):
        return general(number)
    sections = _sections(code or "General")
    if len(sections) > 1 and number < 0:
        section, number = sections[1], -number
    elif len(sections) > 2 and number == 0:
        section = sections[2]
    else:
        section = sections[0]
    tokens = _TOKEN.findall(section)
    unquoted = "".join(t for t in tokens if not t.startswith(('"', "\\")))
    if not tokens or section.strip().lower() in ("general", "@") or section.strip() == "":
        return general(number)
    if _SCIENTIFIC.search(unquoted):
        decimals = max((len(t) - 1 for t in tokens if t.startswith(".")), default=0)
        return f"{number:.{decimals}E}"
    if _is_date(tokens):
        try:
            base = EPOCH_1904 if date1904 else EPOCH
            moment = base + timedelta(days=number)
        except (OverflowError, ValueError):
            return general(number)
        return _format_date(moment, number, tokens)
    return _format_plain(number, tokens)


def _format_plain(number, tokens):
    unquoted = "".join(t for t in tokens if not t.startswith(('"', "\\")))
    if "/" in unquoted:  # fractions
        return general(number)
    if "%" in unquoted:
        number *= 100
    decimals = max((len(t) - 1 for t in tokens if t.startswith(".")), default=0)
    if not any(t in ("0", "#", "?") or t.startswith(".") for t in tokens):
        return "".join(_literal(t) for t in tokens) or general(number)
    grouping = "," if _GROUPING.search(unquoted) else ""
    # Excel rounds halves away from zero (Python's format, to even).
    rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    shown = f"{rounded:{grouping}.{decimals}f}"
    # Literal text before the first digit placeholder goes in front, the rest after.
    first = next(i for i, t in enumerate(tokens) if t in ("0", "#", "?") or t.startswith("."))
    before = "".join(_literal(t) for t in tokens[:first])
    after = "".join(_literal(t) for t in tokens[first:])
    return before + shown + after


def _literal(token):
    if token.startswith('"'):
        return token[1:-1]
    if token.startswith("\\"):
        return token[1:]
    if token.startswith(("[", "_", "*")) or token in ("#", "0", "?", ",") or token[0] == ".":
        return ""
    return token


def _era(moment):
    for start, name, initial in ERAS:
        if moment >= start:
            return name, initial, moment.year - start.year + 1
    return "", "", moment.year


def _format_date(moment, serial, tokens):
    twelve_hour = any(t.upper() in ("AM/PM", "A/P") for t in tokens)
    out = []
    seconds_total = round(serial * 86400)
    # Round to the second as Excel does, without tripping over 23:59:59.9999.
    moment = (EPOCH + timedelta(seconds=round((moment - EPOCH).total_seconds()))).replace(
        microsecond=0
    )
    # "m" is the minute right after an hour or right before a second, else the month.
    letters = [i for i, t in enumerate(tokens) if t[0].isalpha() or t.lower() in ("[h]", "[hh]")]
    for index, token in enumerate(tokens):
        lower = token.lower()
        before = [tokens[i].lower() for i in letters if i < index]
        after = [tokens[i].lower() for i in letters if i > index]
        previous = before[-1] if before else ""
        following = after[0] if after else ""
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif token.startswith(("_", "*")):
            out.append(" " if token.startswith("_") else "")
        elif token.startswith("["):
            if lower in ("[h]", "[hh]"):
                out.append(str(seconds_total // 3600))
            elif lower in ("[m]", "[mm]"):
                out.append(str(seconds_total // 60))
            elif lower in ("[s]", "[ss]"):
                out.append(str(seconds_total))
        elif lower == "yyyy":
            out.append(str(moment.year))
        elif lower == "yy":
            out.append(f"{moment.year % 100:02d}")
        elif lower.startswith("e"):
            year = _era(moment)[2]
            out.append(f"{year:02d}" if len(lower) > 1 else str(year))
        elif lower.startswith("g"):
            name, initial, _ = _era(moment)
            out.append({1: initial, 2: name[:1]}.get(len(lower), name))
        elif lower in ("m", "mm") and (
            previous.startswith(("h", "[h")) or following.startswith("s")
        ):
            out.append(f"{moment.minute:02d}" if lower == "mm" else str(moment.minute))
        elif lower == "m":
            out.append(str(moment.month))
        elif lower == "mm":
            out.append(f"{moment.month:02d}")
        elif lower == "mmm":
            out.append(MONTHS_EN[moment.month - 1])
        elif lower in ("mmmm", "mmmmm"):
            out.append(f"{moment.month}月")
        elif lower == "d":
            out.append(str(moment.day))
        elif lower == "dd":
            out.append(f"{moment.day:02d}")
        elif lower == "ddd":
            out.append(WEEKDAYS_EN[moment.weekday()])
        elif lower == "dddd":
            out.append(moment.strftime("%A"))
        elif lower == "aaa":
            out.append(WEEKDAYS_JA[moment.weekday()])
        elif lower == "aaaa":
            out.append(WEEKDAYS_JA[moment.weekday()] + "曜日")
        elif lower in ("h", "hh"):
            hour = moment.hour % 12 or 12 if twelve_hour else moment.hour
            out.append(f"{hour:02d}" if lower == "hh" else str(hour))
        elif lower in ("s", "ss"):
            out.append(f"{moment.second:02d}" if lower == "ss" else str(moment.second))
        elif lower == "am/pm":
            out.append("AM" if moment.hour < 12 else "PM")
        elif lower == "a/p":
            out.append("A" if moment.hour < 12 else "P")
        elif len(lower) > 1 and lower.startswith(".0"):
            fraction = serial * 86400 - math.floor(serial * 86400)
            out.append(f"{fraction:.{len(lower) - 1}f}"[1:])
        else:
            out.append(token)
    return "".join(out)


# -- CSV ----------


def decode_csv(data):
    """CSV bytes as text: UTF-8 with or without a BOM, else CP932 (Excel's Shift_JIS)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _looks_utf16(data):
        raise Refused(CSV_UTF16)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as error:
        if _reads_as_utf16(data):
            raise Refused(CSV_UTF16) from None
        # Where CP932 stops is the line to look at (where UTF-8 stopped may be earlier, in a
        # Shift_JIS text UTF-8 cannot read anyway).
        row = data.count(b"\n", 0, error.start) + 1
        raise Refused(CSV_ENCODING_AT.format(row=row)) from None


def _reads_as_utf16(data):
    """Bytes neither UTF-8 nor CP932 can read that are lines of UTF-16 text (Japanese text has
    few NUL bytes, so _looks_utf16 cannot tell)."""
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\n" in text and not forbidden_character(text.replace("\x00", "")):
            return True
    return False


def _looks_utf16(data):
    """A UTF-16 BOM, or text with a NUL byte beside most characters (UTF-16 without a BOM):
    a single NUL in UTF-8 text is a control character, named with its cell."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:400]
    return len(head) >= 4 and head.count(0) * 4 >= len(head)


def read_csv(file):
    """The rows of a CSV file (UTF-8 or CP932) as lists of texts, the first row the headers;
    rows shorter than the headers are padded, blank lines left out. Refused: too large,
    undecodable, too wide or long, a control character (named by row and column), a value right
    of the last header. A value's length is left to the columns' own checks, whose messages name
    the column and the length (the whole file is in memory anyway). Rows are numbered as a
    spreadsheet shows them: blank lines count."""
    data = file.encode("utf-8") if isinstance(file, str) else read_bytes(file)
    check_size(data)
    if data.startswith(OLE2_SIGNATURE) and ENCRYPTION_STREAM in data:
        raise Refused(ENCRYPTED)
    kind = _kind(data)
    if kind is not None:
        raise Refused(WRONG_KIND.format(kind=kind, wanted=WANTED_TABLE))
    if data.startswith((ZIP_SIGNATURE, OLE2_SIGNATURE)):
        raise Refused(CSV_IS_EXCEL)
    text = decode_csv(data)
    # No row may be over MAX_COLUMNS wide nor any value over MAX_TEXT_LENGTH long, so a line with
    # more commas than that is refused before the csv module makes a list of its fields.
    if max((line.count(",") for line in text.split("\n")), default=0) > MAX_COLUMNS * (
        MAX_TEXT_LENGTH + 1
    ):
        raise Refused(TOO_MANY_COLUMNS)
    rows, headers = [], None
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        try:
            values = next(reader, None)
        except csv.Error:
            raise Refused(CSV_BROKEN.format(row=number + 1)) from None
        if values is None:
            break
        number += 1
        if not values:
            continue
        if number > MAX_ROWS:
            raise Refused(TOO_MANY_ROWS)
        if len(values) > MAX_COLUMNS and any(values[MAX_COLUMNS:]):
            raise Refused(TOO_MANY_COLUMNS)
        headers = values if headers is None else headers
        for index, value in enumerate(values):
            column = headers[index] if index < len(headers) else cell_name(number, index + 1)
            code = forbidden_character(value)
            if code:
                raise Refused(CSV_CONTROL_CHARACTER.format(row=number, column=column, code=code))
        if len(values) > len(headers):
            if any(value.strip() for value in values[len(headers) :]):
                raise Refused(CSV_TOO_WIDE.format(row=number))
            del values[len(headers) :]
        values.extend([""] * (len(headers) - len(values)))
        rows.append(values)
    return rows
