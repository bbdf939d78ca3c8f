"""Fetching users for the user-management pages: 403 for anyone but the HQ and administrators,
404 for an unknown user, 403 (with the reason) for an account the user may not change."""

import rules
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.roles import with_roles

MANAGE_DENIED = "利用者の管理は推進本部と管理者だけが行えます。"
ADMIN_ACCOUNT_DENIED = "管理者の利用者は管理者だけが変更できます。"


def may_manage_users(user):
    return rules.has_perm("accounts.manage_users", user)


def may_grant_admin(user):
    return rules.has_perm("accounts.grant_admin", user)


def may_change_account(user, target):
    return rules.has_perm("accounts.change_user_account", user, target)


def check_may_manage_users(user):
    if not may_manage_users(user):
        raise PermissionDenied(MANAGE_DENIED)


def check_may_change_account(user, target):
    check_may_manage_users(user)
    if not may_change_account(user, target):
        raise PermissionDenied(ADMIN_ACCOUNT_DENIED)


def get_user_for_change(actor, pk):
    check_may_manage_users(actor)
    target = get_object_or_404(with_roles(User.objects.all()), pk=pk)
    check_may_change_account(actor, target)
    return target
