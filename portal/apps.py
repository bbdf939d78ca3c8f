from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "ポータル"

    def ready(self):
        # Connects the login stamp of the idle timeout before any login can happen.
        from portal import middleware  # noqa: F401


class AxesConfig(AxesAppConfig):
    """django-axes under a Japanese name in the admin (its models' names come from
    locale/ja, since axes ships no Japanese)."""

    verbose_name = "ログイン制限"
