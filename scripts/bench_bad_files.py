"""Time and memory of the worst files an import must refuse, on every reading path.

    .venv/bin/python scripts/bench_bad_files.py

Each file is made here (small on disk, huge or endless once unpacked), then read by the document
import (資料3) and by the admin's flat XLSX / CSV reader. For each: the seconds to the refusal and
the peak resident memory above the process's memory just before (Linux: the peak is reset through
/proc/self/clear_refs, so one process measures every case). Target: every refusal under 5 s and
under 100 MiB. Runs against the project's database (settings: vision_portal.settings.local, or
DJANGO_SETTINGS_MODULE); a refused import writes nothing.
"""

import gc
import io
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vision_portal.settings.local")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from documents.exports import export_shiryo3  # noqa: E402
from documents.imports import import_shiryo3  # noqa: E402
from flatfiles import safe_reader  # noqa: E402
from flatfiles.formats import XLSX, CSVAnyEncoding  # noqa: E402
from operations.demo import create_demo_users  # noqa: E402
from operations.seed import load_all  # noqa: E402
from reporting.models import ReportingPeriod  # noqa: E402

MIB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
TARGET_SECONDS, TARGET_MIB = 5, 100


def rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure(read):
    """(seconds, CPU seconds, MiB of peak memory above the start, the refusal's message) of
    read(). The machine is shared: the CPU time is the figure that does not depend on the
    neighbours."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM, the peak, to the present size
    base = rss_kib("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    message = read()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = rss_kib("VmHWM")
    return seconds, cpu, (peak - base) / 1024, message


def export_bytes(period):
    out = io.BytesIO()
    export_shiryo3(period).save(out)
    return out.getvalue()


def with_streamed_member(data, name, pieces):
    """The xlsx with member `name` written from `pieces` (an iterable of bytes), compressed as
    it goes: a member of hundreds of MB never sits in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as stream:
            for piece in pieces:
                stream.write(piece)
    return out.getvalue()


def repeated(chunk, total):
    block = chunk * (MIB // len(chunk))
    for _ in range(total // len(block)):
        yield block


def huge_cell(data, megabytes, shared):
    """One cell (E7) holding `megabytes` MB of text, inline or as a shared string."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    cell = re.search(rb'<c r="E7"[^>]*?(?:/>|>.*?</c>)', sheet, re.S)
    head, tail = sheet[: cell.start()], sheet[cell.end() :]
    text = repeated(b"a", megabytes * MIB)
    if not shared:
        pieces = [head, b'<c r="E7" t="inlineStr"><is><t>', *text, b"</t></is></c>", tail]
        return with_streamed_member(data, SHEET, pieces)
    data = with_streamed_member(data, SHEET, [head, b'<c r="E7" t="s"><v>0</v></c>', tail])
    data = _add_part(
        data,
        "xl/_rels/workbook.xml.rels",
        b"</Relationships>",
        b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    return with_streamed_member(data, "xl/sharedStrings.xml", [sst, *text, b"</t></si></sst>"])


def _add_part(data, name, old, new):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read(name)
    return with_streamed_member(data, name, [body.replace(old, new)])


def endless_rows(data, rows):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    end = sheet.index(b"</sheetData>")
    pieces = (b'<row r="%d"/>' % n for n in range(1000, 1000 + rows))
    return with_streamed_member(data, SHEET, [sheet[:end], *pieces, sheet[end:]])


def many_sheets(data, count):
    sheets = b"".join(
        b'<sheet name="x%d" sheetId="%d" r:id="rId1"/>' % (n, n + 100) for n in range(count)
    )
    return _add_part(data, "xl/workbook.xml", b"</sheets>", sheets + b"</sheets>")


def zip_bomb(data, megabytes):
    return with_streamed_member(data, "xl/media/padding.bin", repeated(b"\0", megabytes * MIB))


def nul_in_last_cell(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    return with_streamed_member(
        data,
        SHEET,
        [sheet.replace(b"</t></is></c></row></sheetData>", b"&#0;</t></is></c></row></sheetData>")],
    )


def flat_csv_with_nul(megabytes):
    line = "R5H1,1-④," + "あ" * 1000 + "\r\n"
    body = "報告期間,取組,取組内容（10月以降の取組）\r\n" + line * (
        megabytes * MIB // len(line) // 3
    )
    return (body + "R5H1,1-⑤,a\0b\r\n").encode("utf-8")


def main():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a fresh clone's database has no tables yet
    period = ReportingPeriod.objects.filter(code="R5H1").first()
    if period is None:
        load_all()
        create_demo_users()
        period = ReportingPeriod.objects.get(code="R5H1")
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        create_demo_users()
        user = get_user_model().objects.get(username="admin")
    export = export_bytes(period)

    def document(data):
        def read():
            result = import_shiryo3(file=data, period=period, user=user, dry_run=True)
            return result.errors[0].message if result.errors else "（受け付けた）"

        return read

    def flat(format_class, data):
        def read():
            try:
                format_class().create_dataset(data)
            except safe_reader.Refused as refused:
                return refused.message
            return "（受け付けた）"

        return read

    cells_150 = huge_cell(export, 150, shared=False)
    strings_150 = huge_cell(export, 150, shared=True)
    rows = endless_rows(export, 2 * safe_reader.MAX_XML_TAGS)
    cases = [
        ("資料3: 1 セルに 150 MB（インライン）", cells_150, document(cells_150)),
        ("資料3: 1 セルに 150 MB（共有文字列）", strings_150, document(strings_150)),
        ("資料3: 展開後 1 GB（zip 爆弾）", zip_bomb(export, 1024), None),
        ("資料3: シート 1,500 枚", many_sheets(export, 1500), None),
        (f"資料3: 空の行 {2 * safe_reader.MAX_XML_TAGS:,} 個", rows, document(rows)),
        ("資料3: 最後のセルに NUL", nul_in_last_cell(export), None),
        ("管理画面 XLSX: 1 セルに 150 MB", cells_150, flat(XLSX, cells_150)),
        ("管理画面 XLSX: 1 セルに 150 MB（共有文字列）", strings_150, flat(XLSX, strings_150)),
        ("管理画面 XLSX: シート 1,500 枚", many_sheets(export, 1500), None),
        ("管理画面 CSV: 9 MB の最後に NUL", flat_csv_with_nul(9), None),
    ]
    print(f"目標: 拒否まで {TARGET_SECONDS} 秒未満、メモリの増加 {TARGET_MIB} MiB 未満\n")
    print("| file | size KB | seconds | CPU seconds | peak MiB above baseline | message |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    worst_seconds = worst_mib = 0
    for name, data, read in cases:
        if read is None:
            is_csv = name.startswith("管理画面 CSV")
            is_flat = name.startswith("管理画面 XLSX")
            read = (
                flat(CSVAnyEncoding, data)
                if is_csv
                else (flat(XLSX, data) if is_flat else document(data))
            )
        seconds, cpu, mib, message = measure(read)
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, mib)
        size = len(data) / 1024
        print(f"| {name} | {size:,.0f} | {seconds:.2f} | {cpu:.2f} | {mib:.1f} | {message[:40]}… |")
    met = worst_seconds < TARGET_SECONDS and worst_mib < TARGET_MIB
    print(f"\n最悪: {worst_seconds:.2f} 秒、{worst_mib:.1f} MiB — {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
