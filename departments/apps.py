from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "departments"
    verbose_name = "組織・職種"

    def ready(self):
        from django.apps import apps

        from departments import retirement
        from departments.models import record_proxy_history

        retirement.connect(apps)
        record_proxy_history()
