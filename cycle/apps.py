from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "cycle"
    verbose_name = "報告サイクル（メール・リマインダー・コメント）"

    def ready(self):
        from cycle.mail import entry_recorded
        from reporting.workflow import on_recorded

        on_recorded(entry_recorded)
