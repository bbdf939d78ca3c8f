"""The two kinds of entry (資料3 progress entries, 資料2 reports) as the cycle sees them: how
to name a row, link to it, find its people and fetch it for a user."""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from reporting.models import EntryState

UNFINISHED = (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED)


@dataclass(frozen=True)
class Document:
    slug: str  # in the cycle's URLs: shiryo3, shiryo2
    label: str
    model_label: str
    detail_url: str
    organizations: str  # the lookup from an entry to its responsible organizations
    related: tuple  # what naming a row needs

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def rows(self):
        return self.model.objects.select_related("period", *self.related)

    def get_for_user(self, user, pk, *, action=None):
        if self.slug == "shiryo3":
            from initiatives.selectors import get_progress_entry_for_user as get
        else:
            from recommendations.selectors import get_action_report_for_user as get
        return get(user, pk, action=action)


DOCUMENTS = {
    "shiryo3": Document(
        "shiryo3",
        "資料3",
        "initiatives.ProgressEntry",
        "initiatives:detail",
        "initiative__sections",
        ("initiative__category", "initiative__subclass", "initiative__job_category"),
    ),
    "shiryo2": Document(
        "shiryo2",
        "資料2",
        "recommendations.ActionReport",
        "recommendations:detail",
        "action__departments",
        ("action__policy__chapter",),
    ),
}


def document_of(entry):
    label = entry._meta.label
    return next(d for d in DOCUMENTS.values() if d.model_label == label)


def content_type_of(entry):
    return ContentType.objects.get_for_model(type(entry))


def title(entry):
    """資料3 1-④（共通）, 資料2 (1)ア(ｱ): how the mails and notices name a row."""
    document = document_of(entry)
    text = f"{document.label} {entry.reference}"
    if document.slug == "shiryo3":
        text += f"（{entry.initiative.job_category}）"
    return text


def path(entry):
    return reverse(document_of(entry).detail_url, args=[entry.pk])


def absolute_url(entry):
    return settings.PORTAL_URL.rstrip("/") + path(entry)
