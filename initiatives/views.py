"""資料3's pages: the workflow's shared pages, configured for progress entries."""

from initiatives import selectors
from initiatives.forms import ProgressEdit
from initiatives.list_rows import entry_rows
from initiatives.services import DOCUMENT
from reporting.views import DocumentPages

PAGES = DocumentPages(
    document=DOCUMENT,
    noun="報告",
    entries=selectors.progress_entries,
    filterset_for=selectors.filter_entry_list,
    timeline=selectors.timeline,
    history=selectors.history,
    edit_forms=ProgressEdit,
    list_rows=entry_rows,
)
