"""資料2's pages: the workflow's shared pages, configured for 実施状況 reports, with the HQ's
bulk action that sets one 区分."""

from recommendations import selectors
from recommendations.forms import ReportBulkForm, ReportEdit
from recommendations.list_rows import report_rows
from recommendations.models import Classification
from recommendations.services import DOCUMENT, set_classification
from reporting.views import DocumentPages


def classify(request, reports, data, versions):
    result = set_classification(
        reports=reports, user=request.user, classification=data["classification"], versions=versions
    )
    return result, f"区分{Classification(data['classification']).mark}に設定しました"


PAGES = DocumentPages(
    document=DOCUMENT,
    noun="実施状況",
    entries=selectors.action_reports,
    filterset_for=selectors.filter_report_list,
    timeline=selectors.timeline,
    history=selectors.history,
    edit_forms=ReportEdit,
    bulk_form=ReportBulkForm,
    bulk_actions={"classify": classify},
    list_rows=report_rows,
)
