from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives"
    verbose_name = "資料3 人材育成ビジョン"

    def ready(self):
        from initiatives.services import DOCUMENT
        from reporting.workflow import register

        register(DOCUMENT)
