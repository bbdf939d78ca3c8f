"""Every write to a user account — the 利用者管理 pages, the personnel-list import and the
directory login — goes through here: the permission checks, the role, the sections and one history
record per change, under the user who made it.

Errors are `AccountError`s carrying a message for the user (the constants below); a refused
permission is Django's PermissionDenied with the reason."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import access
from accounts.models import User
from accounts.roles import Role, role_of, set_role

REASON_PAGE = "利用者管理"
REASON_IMPORT = "職員名簿の取込み"
REASON_DIRECTORY = "ディレクトリからの同期"

RETIRED_ORGANIZATION = "「{label}」は廃止された課・部のため、利用者を所属させられません。"
NUMBER_TAKEN = "職員番号「{number}」はほかの利用者（{user}）が使っています。"
USERNAME_TAKEN = "ユーザー名「{username}」はほかの利用者が使っています。"
NOT_YOURSELF = "自分自身を無効にすることはできません。"
ADMIN_ROLE_DENIED = "管理者の役割は管理者だけが設定できます。"


class AccountError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _check_actor(by, target=None):
    """`by` None is the system itself (a command without --user, the directory login)."""
    if by is None:
        return
    access.check_may_manage_users(by)
    if target is not None and target.pk is not None:
        access.check_may_change_account(by, target)


def _check_role(by, user, role):
    granting = Role(role) == Role.ADMIN and (user.pk is None or role_of(user) != Role.ADMIN)
    if by is not None and granting and not access.may_grant_admin(by):
        raise PermissionDenied(ADMIN_ROLE_DENIED)


def _check_organizations(user, organizations):
    """Retired sections keep their members, but take no new ones."""
    current = set(user.organizations.values_list("pk", flat=True)) if user.pk else set()
    for organization in organizations:
        if organization.is_retired and organization.pk not in current:
            raise AccountError(RETIRED_ORGANIZATION.format(label=organization.label))


def _check_number(user, employee_number):
    if not employee_number:
        return
    other = User.objects.filter(employee_number=employee_number).exclude(pk=user.pk).first()
    if other is not None:
        raise AccountError(NUMBER_TAKEN.format(number=employee_number, user=_name(other)))


def _name(user):
    return user.get_full_name() or user.username


def _lock(user):
    return User.objects.select_for_update().get(pk=user.pk)


def _record(user, *, by, reason, organizations=None, role=None, created=False):
    """Save the user and its sections and role as ONE history record: the many-to-many changes
    would each add a record of their own."""
    user.skip_history_when_saving = True
    try:
        user.save()
        if organizations is not None:
            user.organizations.set(organizations)
            if hasattr(user, "_organization_ids"):
                del user._organization_ids
        if role is not None:
            set_role(user, role)
            user.save(update_fields=["is_superuser", "is_staff"])
    finally:
        del user.skip_history_when_saving
    user._history_user = by
    user._change_reason = reason
    user.save(update_fields=["username"])  # writes nothing new; makes the one history record
    if created:
        user.history.filter(pk=user.history.latest().pk).update(history_type="+")
    return user


@transaction.atomic
def create_user(
    *,
    by,
    username,
    last_name,
    first_name="",
    email="",
    employee_number="",
    organizations=(),
    role=Role.STAFF,
    password=None,
    transferred_on=None,
    reason=REASON_PAGE,
):
    """A new account; without a password it can log in only through the directory (or after an
    administrator sets one)."""
    _check_actor(by)
    user = User(
        username=username,
        last_name=last_name,
        first_name=first_name,
        email=email,
        employee_number=employee_number,
        transferred_on=transferred_on,
    )
    if User.objects.filter(username=username).exists():
        raise AccountError(USERNAME_TAKEN.format(username=username))
    _check_role(by, user, role)
    _check_number(user, employee_number)
    _check_organizations(user, organizations)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    return _record(
        user, by=by, reason=reason, organizations=list(organizations), role=role, created=True
    )


@transaction.atomic
def update_user(
    *,
    by,
    user,
    reason=REASON_PAGE,
    organizations=None,
    role=None,
    is_active=None,
    **fields,
):
    """Change any of the account's fields (last_name, first_name, email, employee_number,
    transferred_on), its sections, its role and whether it is active. Writes only if something
    changed; returns the user."""
    _check_actor(by, user)
    user = _lock(user)
    if role is not None:
        _check_role(by, user, role)
    if "employee_number" in fields:
        _check_number(user, fields["employee_number"])
    if organizations is not None:
        _check_organizations(user, organizations)
    if is_active is False and by is not None and by.pk == user.pk:
        raise AccountError(NOT_YOURSELF)
    changed = False
    for name, value in fields.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    if is_active is not None and user.is_active != is_active:
        user.is_active = is_active
        changed = True
    if organizations is not None:
        organizations = list(organizations)
        if {o.pk for o in organizations} != set(user.organizations.values_list("pk", flat=True)):
            changed = True
        else:
            organizations = None
    if role is not None:
        if role_of(user) != Role(role):
            changed = True
        else:
            role = None
    if not changed:
        return user
    return _record(user, by=by, reason=reason, organizations=organizations, role=role)


def move_user(*, by, user, organizations, transferred_on=None, reason=REASON_PAGE):
    fields = {"transferred_on": transferred_on} if transferred_on else {}
    return update_user(by=by, user=user, organizations=organizations, reason=reason, **fields)


def deactivate_user(*, by, user, reason=REASON_PAGE):
    """Users are never deleted (the history names them); an inactive one cannot log in and is
    sent no mail."""
    return update_user(by=by, user=user, is_active=False, reason=reason)


def activate_user(*, by, user, reason=REASON_PAGE):
    return update_user(by=by, user=user, is_active=True, reason=reason)
