"""Fetching entries for a user: 404 for what does not exist, 403 (with the reason) for what the
user may not change. Views and bulk actions get entries only through here; this is the one
caller of the permission rules in reporting/rules.py."""

import rules
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from reporting.models import ReportingPeriod
from reporting.rules import denial_reason

ACTIONS = ("change", "submit", "review")


def permission_name(model, action):
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def may(user, action, entry):
    # Straight to the rules: Django's model permissions never grant writes on entries.
    return rules.has_perm(permission_name(type(entry), action), user, entry)


def check(user, action, entry):
    if not may(user, action, entry):
        raise PermissionDenied(denial_reason(user, entry))


def get_entry_for_user(queryset, user, pk, *, action=None):
    entry = get_object_or_404(queryset, pk=pk)
    if action is not None:
        check(user, action, entry)
    return entry


def get_entries_for_user(queryset, user, pks, *, action):
    """All the selected entries, or 403 if the user may not act on any one of them."""
    entries = list(queryset.filter(pk__in=pks))
    for entry in entries:
        check(user, action, entry)
    return entries


def allowed_actions(user, entry):
    """What the user may do with the entry, for showing only the buttons that work."""
    return {action: may(user, action, entry) for action in ACTIONS}


def may_view(user, perm):
    """Reading (pages, exports): everyone who is logged in, by the rules."""
    return rules.has_perm(perm, user)


def may_review_entries(user):
    """Whether to offer the HQ's review and bulk controls at all."""
    return rules.has_perm("reporting.review_entries", user)


def may_manage_periods(user):
    return rules.has_perm("reporting.manage_period", user)


def check_may_manage_periods(user):
    if not may_manage_periods(user):
        raise PermissionDenied("報告期間の開始・締切は推進本部だけが行えます。")


def current_period():
    return ReportingPeriod.objects.filter(is_current=True).first()
