from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = "資料の出力・取込み"

    def ready(self):
        from reporting.workflow import add_export, on_register

        # Every document's Excel export, in the committee's layout: documents:shiryo3, …
        on_register(lambda document: add_export(document.model, f"documents:{document.slug}"))
