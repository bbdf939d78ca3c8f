from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "cycle"
    verbose_name = "報告サイクル（メール・リマインダー・コメント）"
