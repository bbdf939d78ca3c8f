"""What the workflow knows of each document, registered by the document apps from their
AppConfig.ready(): the entry model, how a period creates its entries, which values a section
writes, how they are compared and written, and what a submission needs. The workflow app itself
names no document, so it imports none of them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import rules
from django.urls import reverse

from reporting.models import EntryState
from reporting.rules import may_change, may_review, may_submit

# The states of a row its section has not finished: 未着手, 下書き, 差戻し.
UNFINISHED = (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED)


def normalise_text(text):
    """Text as stored: only the line-break style is normalised (browsers send CRLF, XML keeps
    LF). Everything else is the section's, the documents' leading 「　」 included."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Batch:
    """The rows one write creates, updates and deletes besides the entries, written together
    with their history at the end (one query per kind and model, however many entries)."""

    created: list = field(default_factory=list)
    updated: dict = field(default_factory=dict)  # model -> list of objects
    update_fields: dict = field(default_factory=dict)  # model -> field names
    deleted: list = field(default_factory=list)

    def update(self, obj, fields):
        model = type(obj)
        self.updated.setdefault(model, []).append(obj)
        self.update_fields[model] = fields


@dataclass(frozen=True)
class Document:
    """One document's part of the workflow.

    - `values(entry)`: the entry's document values as stored, {name: value}.
    - `clean(entry, values)`: those of the given values a write may make, normalised (a
      【再掲】 row shows its original's text, so it takes none of it).
    - `changes(entry, cleaned)`: the labels of what differs from the stored values (empty:
      nothing to write).
    - `write(entry, values, batch, user)`: set the entry's fields; rows of its own go in `batch`.
    - `readiness(entry, values)`: the message that says what a submission lacks, or None.
    - `create_entries(period, previous, user)`: a new period's entries, pre-filled.
    - `prefetch`: what the permission checks read of many entries at once.

    What the pages and the cycle (mail, reminders, お知らせ) need to name, link and find a row:
    - `slug`: the document in URLs (shiryo3, shiryo2); `detail_url`: the URL name of a row's page.
    - `organizations`: the lookup from an entry to the organisations answering for it.
    - `related`: what naming a row (`title`) reads.
    - `get_for_user(user, pk, *, action=None)`: the entry as its pages fetch it (404 unseen, 403
      when the action is not allowed).
    - `title_suffix(entry)`: what follows 「資料3 1-④」 in a row's name, if anything.
    """

    model: type
    label: str
    values: Callable[[Any], dict]
    clean: Callable[[Any, dict], dict]
    changes: Callable[[Any, dict], list]
    write: Callable[[Any, dict, Batch, Any], None]
    readiness: Callable[[Any, dict], str | None]
    create_entries: Callable[..., int]
    slug: str
    detail_url: str
    organizations: str
    get_for_user: Callable[..., Any]
    related: tuple = ()
    title_suffix: Callable[[Any], str] | None = None
    prefetch: tuple = ()
    order: int = 0
    # The entry's own columns that `write` sets (資料2 keeps its paragraphs in rows of their own).
    entry_fields: tuple = ()

    def rows(self):
        """The entries with what naming them reads."""
        return self.model.objects.select_related("period", *self.related)

    def title(self, entry):
        """資料3 1-④（共通）, 資料2 (1)ア(ｱ): how the mails and notices name a row."""
        text = f"{self.label} {entry.reference}"
        return text + self.title_suffix(entry) if self.title_suffix else text

    def path(self, entry):
        return reverse(self.detail_url, args=[entry.pk])

    @property
    def list_url(self):
        """The URL name of the document's list page: its app is its pages' URL namespace."""
        return f"{self.model._meta.app_label}:list"

    @property
    def edit_url(self):
        """The URL name of a row's edit page, in the same namespace."""
        return f"{self.model._meta.app_label}:edit"

    @property
    def export_url(self):
        """The URL name of the document's Excel export (taking the list's filters), registered
        by the app that makes it (add_export), or None."""
        return _exports.get(self.model)


_documents = {}
_listeners = []
_exports = {}


def add_export(model, url_name):
    """Called from the AppConfig.ready() of the app that exports the documents: the URL name of
    `model`'s document in the committee's layout (Document.export_url)."""
    _exports[model] = url_name


def on_register(callback):
    """`callback(document)` for every document, those registered already and those to come: how
    another app adds what it needs per document (the cycle's permissions)."""
    _listeners.append(callback)
    for document in list(_documents.values()):
        callback(document)


_recorded = []


def on_recorded(callback):
    """`callback(entry, before=…, user=…, comment=…)` after every state move the writer makes:
    how another app hears of writes (the cycle's mail and conversation) without the workflow
    importing it."""
    _recorded.append(callback)


def recorded(entry, *, before, user, comment=None):
    for callback in _recorded:
        callback(entry, before=before, user=user, comment=comment)


def register(document):
    """Called from a document app's AppConfig.ready(); the permissions of its entries follow the
    rules of reporting/rules.py."""
    _documents[document.model] = document
    opts = document.model._meta
    name = f"{opts.app_label}.{{}}_{opts.model_name}"
    rules.set_perm(name.format("view"), rules.is_authenticated)
    rules.set_perm(name.format("change"), may_change)
    rules.set_perm(name.format("submit"), may_submit)
    rules.set_perm(name.format("review"), may_review)
    for callback in _listeners:
        callback(document)


WORKFLOW_FIELDS = ("state", "return_comment", "version", "updated_at", "updated_by")


def blank(entry):
    """A new entry for the same row and period as the unsaved `entry`, with nothing written yet:
    what a creating write (the flat import, the admin's add form) starts from, so that the writer
    fills it, moves its state and checks it as any other write."""
    model = type(entry)
    skipped = {*WORKFLOW_FIELDS, *document_for(model).entry_fields}
    fresh = model()
    for column in model._meta.concrete_fields:
        if column.primary_key or column.name in skipped:
            continue
        setattr(fresh, column.attname, getattr(entry, column.attname))
        if column.is_relation and column.is_cached(entry):
            # The related rows as found (with what the permission checks read).
            column.set_cached_value(fresh, column.get_cached_value(entry))
    return fresh


def document_for(entry_or_model):
    model = entry_or_model if isinstance(entry_or_model, type) else type(entry_or_model)
    return _documents[model._meta.concrete_model]


def documents():
    return sorted(_documents.values(), key=lambda document: document.order)


def title(entry):
    """How the mails and notices name a row (Document.title)."""
    return document_for(entry).title(entry)


def document_by_slug(slug):
    """The document named so in URLs, or None."""
    return next((d for d in _documents.values() if d.slug == slug), None)
