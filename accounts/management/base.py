"""What the import commands share: finding the user they act as, refusing a missing file, ending
with the errors or the outcome."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

UNKNOWN_USER = "利用者「{username}」がありません。"
NO_SUPERUSER = "管理者（スーパーユーザー）がいません。--user で利用者を指定してください。"
NO_FILE = "ファイル「{path}」がありません。"
IMPORT_FAILED = "取込みを中止しました（エラー {count} 件）。何も書き込んでいません。"
DRY_RUN_DONE = "確認のみ（--dry-run）のため、何も書き込んでいません。"
IMPORT_DONE = "取り込みました。"


def find_user(username):
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(UNKNOWN_USER.format(username=username))
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(NO_SUPERUSER)
    return user


def finish_import(command, errors, *, dry_run):
    """The errors on stderr and a failing exit when there are any (nothing was written), else
    what was done."""
    for error in errors:
        command.stderr.write(str(error))
    if errors:
        raise CommandError(IMPORT_FAILED.format(count=len(errors)))
    command.stdout.write(DRY_RUN_DONE if dry_run else IMPORT_DONE)
