from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    default = True  # AxesConfig below is an AppConfig too
    # The label the data revisions' tables, migrations and content types were made under when
    # this package was `portal/`: keeping it keeps every existing database valid.
    label = "portal"
    verbose_name = "ポータル"

    def ready(self):
        # Connects the login stamp of the idle timeout before any login can happen.
        from core import middleware  # noqa: F401


class AxesConfig(AxesAppConfig):
    """django-axes under a Japanese name in the admin (its models' names come from
    locale/ja, since axes ships no Japanese)."""

    verbose_name = "ログイン制限"
