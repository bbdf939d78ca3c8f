"""Who a user is in the portal, computed once per request and cached on the user object."""

from accounts.models import HQ_GROUP


def is_hq(user):
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_is_hq"):
        user._is_hq = user.groups.filter(name=HQ_GROUP).exists()
    return user._is_hq


def organization_ids(user):
    """The sections and departments the user answers for."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_organization_ids"):
        user._organization_ids = frozenset(user.organizations.values_list("pk", flat=True))
    return user._organization_ids
