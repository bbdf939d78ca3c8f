from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "資料2 取組方針"

    def ready(self):
        from recommendations.services import DOCUMENT
        from reporting.workflow import register

        register(DOCUMENT)
