"""What the commands that act as a user share: finding that user, refusing a missing file."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

UNKNOWN_USER = "利用者「{username}」がありません。"
NO_SUPERUSER = "管理者（スーパーユーザー）がいません。--user で利用者を指定してください。"
NO_FILE = "ファイル「{path}」がありません。"


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
