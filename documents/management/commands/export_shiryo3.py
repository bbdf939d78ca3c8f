from documents.exports import write_shiryo3
from documents.management.base import ExportCommand


class Command(ExportCommand):
    help = "資料3 を Excel（.xlsx）に書き出します。"
    document = "資料3"
    write = staticmethod(write_shiryo3)
