"""Reads for the user-management pages."""

from collections import defaultdict

from accounts import models
from accounts.roles import ROLE_GROUPS, Role


def account_history(user, *, limit=20):
    """The account's latest history records, each with `organization_labels` and `role_label`
    as they were then: two queries whatever the number of records."""
    records = list(user.history.select_related("history_user")[:limit])
    ids = [r.history_id for r in records]
    labels = defaultdict(list)
    for history_id, label in (
        models.HistoricalUser_organizations.objects.filter(history_id__in=ids)
        .order_by("organization__sort_order", "organization__label")
        .values_list("history_id", "organization__label")
    ):
        labels[history_id].append(label)
    groups = defaultdict(set)
    for history_id, name in models.HistoricalUser_groups.objects.filter(
        history_id__in=ids
    ).values_list("history_id", "group__name"):
        groups[history_id].add(name)
    for record in records:
        record.organization_labels = labels[record.history_id]
        if record.is_superuser:
            role = Role.ADMIN
        else:
            role = next(
                (r for r in (Role.HQ, Role.HEAD) if ROLE_GROUPS[r] in groups[record.history_id]),
                Role.STAFF,
            )
        record.role_label = role.label
    return records
