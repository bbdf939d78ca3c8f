from django.core.management.base import BaseCommand, CommandError

from operations.seed import SeedError, load_all


class Command(BaseCommand):
    help = "資料2・資料3の全行を初期データとして読み込みます（既にある行は変更しません）。"

    def handle(self, *args, **options):
        try:
            result = load_all()
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        if not result.total:
            self.stdout.write("初期データは読込済みです。変更はありません。")
            return
        for label, count in result.created.items():
            self.stdout.write(f"{label}: {count} 件を作成しました。")
