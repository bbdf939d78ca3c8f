from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.demo import MissingOrganization, create_demo_users


class Command(BaseCommand):
    help = "デモ用の利用者（admin, honbu, hogo, jisou）を作成します。開発環境専用です。"

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_USERS_ENABLED", False):
            raise CommandError("この環境ではデモ利用者を作成できません（DEMO_USERS_ENABLED）。")
        try:
            created = create_demo_users()
        except MissingOrganization as exc:
            raise CommandError(str(exc)) from exc
        for username in created:
            self.stdout.write(f"利用者 {username} を作成しました（パスワード: vision-demo）。")
