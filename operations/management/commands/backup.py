from django.core.management.base import BaseCommand
from django.db import connection

from operations.backup import pg_environment, run


class Command(BaseCommand):
    help = "データベース全体を pg_dump（カスタム形式）でファイルに保存します。"

    def add_arguments(self, parser):
        parser.add_argument("out", help="保存先のファイル（例: backup-20261121.dump）")

    def handle(self, *args, out, **options):
        env, database = pg_environment(connection.settings_dict)
        command = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={out}",
            database,
        ]
        run(command, env, "バックアップに失敗しました")
        self.stdout.write(f"データベース {database} を {out} に保存しました。")
