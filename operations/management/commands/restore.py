from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from operations.backup import pg_environment, run


class Command(BaseCommand):
    help = (
        "backup で保存したファイルを、空のデータベースに復元します。"
        "既存のデータベースを上書きしないよう、復元先は新しく作ります。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup で保存したファイル")
        parser.add_argument(
            "--database", required=True, help="復元先として新しく作るデータベース名"
        )

    def handle(self, *args, file, database, **options):
        if not Path(file).is_file():
            raise CommandError(f"ファイル「{file}」がありません。")
        env, _ = pg_environment(connection.settings_dict)
        run(
            ["createdb", database],
            env,
            f"データベース {database} を作れません（既にある場合は別の名前を指定してください）",
        )
        command = [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={database}",
            file,
        ]
        run(command, env, "復元に失敗しました")
        self.stdout.write(
            f"{file} をデータベース {database} に復元しました。"
            f"DATABASE_URL をこのデータベースに向けると、そのまま使えます。"
        )
