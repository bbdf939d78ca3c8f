import datetime
import smtplib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cycle import reminders


class Command(BaseCommand):
    help = (
        "提出期限前の課・部あてのお知らせと、期限を過ぎた課・部の一覧（推進本部あて）を送ります。"
        "毎日1回実行してください。同じ日に2回実行しても二重には送りません。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="送らずに、誰に何を送るかを表示します。"
        )
        parser.add_argument(
            "--date", help="この日付（YYYY-MM-DD）として実行します（既定: 今日、Asia/Tokyo）。"
        )

    def handle(self, *args, dry_run=False, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date は YYYY-MM-DD で指定してください（値: {date}）。") from None
        due = reminders.due(today)
        failed = 0
        if not due:
            self.stdout.write(f"{today}: 送るリマインダーはありません。")
        for reminder in due:
            target = reminder.organization.label if reminder.organization else "推進本部"
            to = "、".join(u.email for u in reminder.recipients) or "（宛先なし）"
            line = f"{reminder.period.name} {target}（{reminder.rows}件）→ {to}"
            if dry_run:
                done = "送信済み" if reminders.already_sent(reminder, today) else "送信予定"
                self.stdout.write(f"[{done}] {reminder.kind}: {line}")
                self.stdout.write(f"  件名: {reminder.subject()}")
            else:
                try:
                    sent = reminders.send(reminder, today)
                except (OSError, smtplib.SMTPException) as error:
                    # Nothing was recorded: the next run sends it.
                    failed += 1
                    self.stderr.write(f"[送信できませんでした] {reminder.kind}: {line}: {error}")
                    continue
                done = "送信" if sent else "送信済みのため省略"
                self.stdout.write(f"[{done}] {reminder.kind}: {line}")
            for user in reminder.without_address:
                self.stdout.write(
                    f"  メールアドレスがありません: {user.get_full_name() or user.username}"
                    f"（{user.username}）"
                )
        if failed:
            raise CommandError(
                f"{failed} 件のリマインダーを送信できませんでした。メールサーバーの設定"
                "（EMAIL_HOST など）を確かめて、もう一度実行してください。"
            )
