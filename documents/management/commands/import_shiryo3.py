from documents.imports import import_shiryo3
from documents.management.base import ImportCommand


class Command(ImportCommand):
    help = "出力した資料3 の Excel（.xlsx）を取り込みます（エラーがあれば何も書き込みません）。"
    document = "資料3"
    run = staticmethod(import_shiryo3)
