"""資料3's pages: the workflow's shared pages, configured for progress entries."""

from initiatives import selectors
from initiatives.forms import ProgressEdit
from initiatives.services import DOCUMENT
from reporting.views import DocumentPages

PAGES = DocumentPages(
    document=DOCUMENT,
    slug="shiryo3",
    noun="報告",
    get_for_user=selectors.get_progress_entry_for_user,
    entries=selectors.progress_entries,
    filterset_for=selectors.filter_progress_entries,
    timeline=selectors.timeline,
    history=selectors.history,
    edit_forms=ProgressEdit,
)
