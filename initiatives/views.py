"""資料3's pages: the workflow's shared pages, configured for progress entries."""

from initiatives import selectors
from initiatives.forms import ProgressEdit
from reporting.views import DocumentPages

PAGES = DocumentPages(
    namespace="initiatives",
    label="資料3",
    slug="shiryo3",
    noun="報告",
    export_url="documents:shiryo3",
    get_for_user=selectors.get_progress_entry_for_user,
    entries=selectors.progress_entries,
    filterset_for=selectors.filter_progress_entries,
    timeline=selectors.timeline,
    history=selectors.history,
    edit_forms=ProgressEdit,
)
