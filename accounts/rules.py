"""Who may manage users: the HQ (推進本部) and administrators. Only an administrator may touch an
administrator's account or make someone an administrator, so that managing users never lets the
HQ give itself more than it has."""

import rules

from accounts.roles import is_hq


@rules.predicate
def hq(user):
    return is_hq(user)


@rules.predicate
def target_is_admin(user, target):
    return target is not None and target.is_superuser


may_manage_users = rules.is_superuser | hq
rules.add_perm("accounts.manage_users", may_manage_users)
rules.add_perm("accounts.change_user_account", rules.is_superuser | (hq & ~target_is_admin))
rules.add_perm("accounts.grant_admin", rules.is_superuser)
