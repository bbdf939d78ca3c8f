from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "運用（初期データ・デモ利用者・バックアップ）"
