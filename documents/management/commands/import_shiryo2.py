from documents.imports import import_shiryo2
from documents.management.base import ImportCommand


class Command(ImportCommand):
    help = "出力した資料2 の Excel（.xlsx）を取り込みます（エラーがあれば何も書き込みません）。"
    document = "資料2"
    run = staticmethod(import_shiryo2)
