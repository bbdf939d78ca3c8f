from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "報告期間"

    def ready(self):
        from django.db.models.signals import post_migrate

        from reporting import choices

        post_migrate.connect(choices.keep_all, sender=self)
