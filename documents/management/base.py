"""What the document commands share: finding the period and the user, printing an import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from accounts.management.base import NO_FILE, find_user, finish_import
from documents.imports import OTHER_PERIOD, STATUS_LABELS
from reporting.models import ReportingPeriod

UNKNOWN_PERIOD = "報告期間「{code}」がありません。"
NO_CURRENT_PERIOD = "現在の報告期間がありません。--period で報告期間のコードを指定してください。"
NO_VERSIONS = (
    "このファイルには版の情報（隠しシート「版」）がないため、いまの内容と違う行はすべて"
    "競合として扱います。"
)


def find_period(code):
    if code:
        period = ReportingPeriod.objects.filter(code=code).first()
        if period is None:
            raise CommandError(UNKNOWN_PERIOD.format(code=code))
        return period
    period = ReportingPeriod.objects.filter(is_current=True).first()
    if period is None:
        raise CommandError(NO_CURRENT_PERIOD)
    return period


class ExportCommand(BaseCommand):
    document = ""  # 資料2 / 資料3
    write = None  # staticmethod(write_shiryo2 / write_shiryo3)

    def add_arguments(self, parser):
        parser.add_argument("out", help="書き出す .xlsx ファイル")
        parser.add_argument("--period", help="報告期間のコード（省略すると現在の期間）")

    def handle(self, *args, out, period, **options):
        period = find_period(period)
        self.write(period, out)
        self.stdout.write(f"{period}の{self.document}を {out} に書き出しました。")


class ImportCommand(BaseCommand):
    document = ""
    run = None  # staticmethod(import_shiryo2 / import_shiryo3)

    def add_arguments(self, parser):
        parser.add_argument("file", help="取り込む .xlsx ファイル（このシステムで出力したもの）")
        parser.add_argument("--period", required=True, help="取り込む報告期間のコード")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込まない")
        parser.add_argument(
            "--user", help="取り込む利用者（履歴に残ります。省略すると最初の管理者）"
        )
        parser.add_argument(
            "--overwrite",
            action="append",
            default=[],
            metavar="取組",
            help="競合した行をファイルの内容で上書きする（行の参照、例 3-研修体制の整備-① や "
            "(1)イ(ｳ)。何度でも指定できます。推進本部と管理者だけ。"
            "競合は --dry-run で一覧できます）",
        )
        parser.add_argument(
            "--confirm-removals",
            action="store_true",
            help="文章を消す取込みを許す（消える文章は --dry-run で一覧できます）",
        )

    def handle(self, *args, file, period, dry_run, user, confirm_removals, overwrite, **options):
        period = find_period(period)
        user = find_user(user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(NO_FILE.format(path=file))
        result = self.run(
            file=path,
            period=period,
            user=user,
            dry_run=dry_run,
            overwrite=overwrite,
            confirm_removals=confirm_removals,
        )
        counts = "、".join(
            f"{label} {result.counts[status]} 件" for status, label in STATUS_LABELS.items()
        )
        self.stdout.write(f"{period}の{self.document}: {counts}")
        if result.other_period:
            self.stdout.write(OTHER_PERIOD.format(file=result.other_period, period=period.code))
        elif not result.has_versions and result.ok:
            self.stdout.write(NO_VERSIONS)
        for removal in result.removals:
            self.stdout.write(
                f"消える文章: シート「{removal.sheet}」 {removal.row}行目 {removal.reference} "
                f"{removal.what}「{removal.text}」"
            )
        for conflict in result.conflicts:
            # Written only when the HQ chooses it: --overwrite, or on the import page.
            when = "不明な日時"
            if conflict.updated_at is not None:
                when = localtime(conflict.updated_at).strftime("%Y-%m-%d %H:%M")
            why = "版の記録なし、" if conflict.unversioned else "出力後に"
            self.stdout.write(
                f"競合（取り込みません。上書きは --overwrite {conflict.reference}）: "
                f"{conflict.reference}（{why}{conflict.updated_by or '不明'}が {when} に変更）\n"
                f"  ファイル: {conflict.after}\n  いま: {conflict.before}"
            )
        for row in result.rows:
            if row.overwrite:
                self.stdout.write(f"上書き: {row.reference}")
        finish_import(self, result.errors, dry_run=dry_run)
