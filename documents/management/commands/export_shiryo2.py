from documents.exports import write_shiryo2
from documents.management.base import ExportCommand


class Command(ExportCommand):
    help = "資料2 を Excel（.xlsx）に書き出します。"
    document = "資料2"
    write = staticmethod(write_shiryo2)
