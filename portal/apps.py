from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "ポータル"

    def ready(self):
        # Connects the login stamp of the idle timeout before any login can happen.
        from portal import middleware  # noqa: F401
