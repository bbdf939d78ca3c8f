"""Who a user is in the portal, computed once per request and cached on the user object.

A user has one role. 推進本部 and 課長 are groups (the permission rules ask for 推進本部), 管理者
is Django's superuser; a user with none of them is 課の担当者. accounts/services.py is the one
place that turns a role into groups and flags."""

from django.contrib.auth.models import Group
from django.db import connection, models
from django.db.models import Case, Exists, OuterRef, Value, When

from accounts.models import HQ_GROUP, SECTION_HEAD_GROUP


class Role(models.TextChoices):
    STAFF = "staff", "課の担当者"
    HEAD = "head", "課長"
    HQ = "hq", "推進本部"
    ADMIN = "admin", "管理者"


ROLE_GROUPS = {Role.HEAD: SECTION_HEAD_GROUP, Role.HQ: HQ_GROUP}


# Asked on nearly every page (the menu, the lists' HQ controls): in plain SQL, since compiling
# the ORM's query for it cost more than running it.
HQ_MEMBER_SQL = f"""
    SELECT EXISTS (
        SELECT 1 FROM {Group.user_set.through._meta.db_table} membership
        JOIN {Group._meta.db_table} hq ON hq.id = membership.group_id
        WHERE membership.user_id = %s AND hq.name = %s
    )
"""


def is_hq(user):
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_is_hq"):
        with connection.cursor() as cursor:
            cursor.execute(HQ_MEMBER_SQL, [user.pk, HQ_GROUP])
            user._is_hq = cursor.fetchone()[0]
    return user._is_hq


def organization_ids(user):
    """The sections and departments the user answers for."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_organization_ids"):
        user._organization_ids = frozenset(user.organizations.values_list("pk", flat=True))
    return user._organization_ids


def _in_group(name):
    through = Group.user_set.through
    return Exists(through.objects.filter(user=OuterRef("pk"), group__name=name))


def with_roles(queryset):
    """Users annotated with `role`, in the same query."""
    return queryset.annotate(
        role=Case(
            When(is_superuser=True, then=Value(Role.ADMIN)),
            When(_in_group(HQ_GROUP), then=Value(Role.HQ)),
            When(_in_group(SECTION_HEAD_GROUP), then=Value(Role.HEAD)),
            default=Value(Role.STAFF),
            output_field=models.CharField(),
        )
    )


def role_of(user):
    if getattr(user, "role", None) in Role.values:
        return Role(user.role)
    if user.is_superuser:
        return Role.ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in (Role.HQ, Role.HEAD):
        if ROLE_GROUPS[role] in names:
            return role
    return Role.STAFF
