from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts import personnel
from accounts.management.base import NO_FILE, find_user, finish_import


class Command(BaseCommand):
    help = "職員名簿（CSV または xlsx）から利用者を追加・異動・変更する。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="職員名簿のファイル（CSV UTF-8/Shift_JIS または .xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込まない")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="名簿にない職員（職員番号のある利用者）を無効にする（全職員の名簿のとき）",
        )
        parser.add_argument(
            "--user", help="取り込む利用者（履歴に残ります。省略すると最初の管理者）"
        )

    def handle(self, *args, file, dry_run, deactivate_missing, user, **options):
        user = find_user(user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(NO_FILE.format(path=file))
        try:
            result = personnel.import_personnel(
                file=path, by=user, dry_run=dry_run, deactivate_missing=deactivate_missing
            )
        except PermissionDenied as denied:
            raise CommandError(str(denied)) from None
        counts = "、".join(
            f"{label} {result.counts[kind]} 件" for kind, label in personnel.KIND_LABELS.items()
        )
        self.stdout.write(f"職員名簿: {counts}")
        for row in result.rows:
            if personnel.UNCHANGED not in row.kinds:
                where = f"{row.row}行目" if row.row else "名簿になし"
                details = "／".join(row.changes)
                self.stdout.write(
                    f"{where} {row.employee_number} {row.name}: "
                    f"{'・'.join(row.kind_labels)}{'（' + details + '）' if details else ''}"
                )
        finish_import(self, result.errors, dry_run=dry_run)
