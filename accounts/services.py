"""Every write to a user account — the 利用者管理 pages, the personnel-list import, the admin's
flat import and the directory login — goes through `write_accounts`: the permission checks, the
role, the sections and one history record per changed account (sections and role included),
under the user who made the change. One account or a thousand cost the same number of queries
(the personnel list of a whole city in one transaction).

Errors are `AccountError`s carrying a message for the user (the constants below); a refused
permission is Django's PermissionDenied with the reason."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import access
from accounts import models as account_models
from accounts.models import User
from accounts.roles import ROLE_GROUPS, Role, with_roles

REASON_PAGE = "利用者管理"
REASON_IMPORT = "職員名簿の取込み"
REASON_DIRECTORY = "ディレクトリからの同期"
REASON_ADMIN_IMPORT = "管理画面の一括取込み"

RETIRED_ORGANIZATION = "「{label}」は廃止された課・部のため、利用者を所属させられません。"
NUMBER_TAKEN = "職員番号「{number}」はほかの利用者（{user}）が使っています。"
USERNAME_TAKEN = "ユーザー名「{username}」はほかの利用者が使っています。"
NOT_YOURSELF = "自分自身を無効にすることはできません。"
ADMIN_ROLE_DENIED = "管理者の役割は管理者だけが設定できます。"
CHANGED_MEANWHILE = (
    "利用者「{user}」は、この画面を開いた後にほかの人が変更しました。"
    "最新の内容を確かめてから、もう一度やり直してください。"
)
WRITTEN_MEANWHILE = (
    "ほかの利用者が同時に同じユーザー名または職員番号を登録しました。"
    "内容を確かめて、もう一度やり直してください。"
)

ACCOUNT_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "email",
    "employee_number",
    "transferred_on",
    "is_active",
)


class AccountError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ChangedMeanwhile(AccountError):
    """The account was changed after the page or file that changes it was made."""


@dataclass
class AccountChange:
    """One account to create (`user` None) or change. Only what is given is changed:
    `fields` (ACCOUNT_FIELDS), `organizations` (all of them), `role`."""

    user: User | None = None
    fields: dict = field(default_factory=dict)
    organizations: list | None = None
    role: Role | None = None
    password: str | None = None  # new accounts only; none: no password login
    # The account's version the page showed (account_version); None for the sources that are
    # the truth themselves, the personnel list and the directory.
    seen: int | None = None


def _name(user):
    return f"{user.last_name} {user.first_name}".strip() or user.username


def _versions(user_ids):
    return dict(
        User.history.filter(id__in=user_ids)
        .values("id")
        .annotate(version=Max("history_id"))
        .values_list("id", "version")
    )


def account_version(user):
    """An account's version, which a page that changes it sends back: its latest history
    record. Every write adds one (and nothing else does: a login writes no record), so a form
    saved after someone else's save is refused instead of silently undoing it."""
    return _versions([user.pk]).get(user.pk, 0)


def _current(user_ids):
    """The accounts locked for writing, with their role, sections and groups."""
    locked = {
        u.pk: u
        for u in with_roles(User.objects.select_for_update(of=("self",)).filter(pk__in=user_ids))
    }
    memberships = defaultdict(set)
    for user_id, organization_id in User.organizations.through.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "organization_id"):
        memberships[user_id].add(organization_id)
    return locked, memberships


def _check(by, changes, locked, memberships):
    seen = {c.user.pk: c.seen for c in changes if c.user is not None and c.seen is not None}
    if seen:
        versions = _versions(list(seen))
        for pk, version in seen.items():
            if versions.get(pk, 0) != version:
                raise ChangedMeanwhile(CHANGED_MEANWHILE.format(user=_name(locked[pk])))
    grant_admin = by is None or access.may_grant_admin(by)
    new_usernames = [c.fields["username"] for c in changes if c.user is None]
    taken = set(User.objects.filter(username__in=new_usernames).values_list("username", flat=True))
    numbers = [c.fields["employee_number"] for c in changes if c.fields.get("employee_number")]
    owners = {u.employee_number: u for u in User.objects.filter(employee_number__in=numbers)}
    seen_usernames, seen_numbers = set(), {}
    for change in changes:
        user = locked.get(change.user.pk) if change.user is not None else None
        current_role = Role(user.role) if user is not None else None
        if user is not None and current_role == Role.ADMIN and not grant_admin:
            raise PermissionDenied(access.ADMIN_ACCOUNT_DENIED)
        if change.role == Role.ADMIN and current_role != Role.ADMIN and not grant_admin:
            raise PermissionDenied(ADMIN_ROLE_DENIED)
        if user is None:
            username = change.fields["username"]
            if username in taken or username in seen_usernames:
                raise AccountError(USERNAME_TAKEN.format(username=username))
            seen_usernames.add(username)
        number = change.fields.get("employee_number")
        if number:
            owner = owners.get(number) or seen_numbers.get(number)
            if owner is not None and (user is None or owner.pk != user.pk):
                raise AccountError(NUMBER_TAKEN.format(number=number, user=_name(owner)))
            seen_numbers[number] = user or User(username=change.fields.get("username", ""))
        current = memberships[user.pk] if user is not None else set()
        for organization in change.organizations or ():
            if organization.is_retired and organization.pk not in current:
                raise AccountError(RETIRED_ORGANIZATION.format(label=organization.label))
        if (
            change.fields.get("is_active") is False
            and by is not None
            and user is not None
            and user.pk == by.pk
        ):
            raise AccountError(NOT_YOURSELF)


def _history(*, created, updated, by, reason, when):
    """One history record per account, with its sections and groups as written."""
    records = []
    for users, update in ((created, False), (updated, True)):
        if users:
            records += User.history.bulk_history_create(
                users,
                update=update,
                default_user=by,
                default_change_reason=reason,
                default_date=when,
            )
    by_user = {record.id: record for record in records}
    ids = list(by_user)
    if not ids:
        return
    account_models.HistoricalUser_organizations.objects.bulk_create(
        account_models.HistoricalUser_organizations(
            history=by_user[user_id], id=row_id, user_id=user_id, organization_id=org_id
        )
        for row_id, user_id, org_id in User.organizations.through.objects.filter(
            user_id__in=ids
        ).values_list("id", "user_id", "organization_id")
    )
    account_models.HistoricalUser_groups.objects.bulk_create(
        account_models.HistoricalUser_groups(
            history=by_user[user_id], id=row_id, user_id=user_id, group_id=group_id
        )
        for row_id, user_id, group_id in User.groups.through.objects.filter(
            user_id__in=ids
        ).values_list("id", "user_id", "group_id")
    )


@transaction.atomic
def write_accounts(*, by, changes, reason=REASON_PAGE):
    """Create and change accounts, all or none. `by`: who does it (None: the system, i.e. a
    command without a user or the directory login). Returns the accounts, changed or not, in
    the order of `changes`, each with its `role`."""
    if by is not None:
        access.check_may_manage_users(by)
    locked, memberships = _current([c.user.pk for c in changes if c.user is not None])
    _check(by, changes, locked, memberships)

    results, created, updated, update_fields = [], [], [], set()
    moved, new_roles = {}, {}
    for change in changes:
        if change.user is None:
            user = User(**change.fields)
            user.password = make_password(change.password or None)
            user.role = Role.STAFF
            created.append(user)
        else:
            user = locked[change.user.pk]
            changed = {
                name for name, value in change.fields.items() if getattr(user, name) != value
            }
            for name in changed:
                setattr(user, name, change.fields[name])
            update_fields |= changed
            if changed:
                updated.append(user)
        if change.organizations is not None and (
            change.user is None or {o.pk for o in change.organizations} != memberships[user.pk]
        ):
            moved[id(user)] = (user, list(change.organizations))
        role = Role(change.role) if change.role is not None else None
        if role is not None and (change.user is None or role != Role(user.role)):
            new_roles[id(user)] = (user, role)
            user.is_superuser = user.is_staff = role == Role.ADMIN
            user.role = role.value
            update_fields |= {"is_superuser", "is_staff"}
        results.append(user)
    listed = {id(user) for user in updated}
    for user, _ in [*moved.values(), *new_roles.values()]:
        if user.pk is not None and id(user) not in listed:
            listed.add(id(user))
            updated.append(user)

    try:
        with transaction.atomic():
            User.objects.bulk_create(created)
            if updated and update_fields:
                User.objects.bulk_update(updated, sorted(update_fields))
    except IntegrityError:
        # The unique username or 職員番号 was taken between the check and the write.
        raise AccountError(WRITTEN_MEANWHILE) from None
    _write_memberships(moved.values())
    _write_roles(new_roles.values())
    _history(created=created, updated=updated, by=by, reason=reason, when=timezone.now())
    return results


def _write_memberships(moves):
    through = User.organizations.through
    moves = list(moves)
    through.objects.filter(user_id__in=[user.pk for user, _ in moves]).delete()
    through.objects.bulk_create(
        through(user_id=user.pk, organization_id=organization.pk)
        for user, organizations in moves
        for organization in organizations
    )


def _write_roles(changes):
    changes = list(changes)
    if not changes:
        return
    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUPS.items()}
    through = User.groups.through
    through.objects.filter(
        user_id__in=[user.pk for user, _ in changes], group__in=groups.values()
    ).delete()
    through.objects.bulk_create(
        through(user_id=user.pk, group_id=groups[role].pk)
        for user, role in changes
        if role in groups
    )


# One account at a time: the pages and the directory login.


def create_user(
    *, by, username, organizations=(), role=Role.STAFF, password=None, reason=REASON_PAGE, **fields
):
    """A new account; without a password it can log in only through the directory (or after an
    administrator sets one)."""
    change = AccountChange(
        fields={"username": username, **fields},
        organizations=list(organizations),
        role=role,
        password=password,
    )
    return write_accounts(by=by, changes=[change], reason=reason)[0]


def update_user(
    *,
    by,
    user,
    organizations=None,
    role=None,
    is_active=None,
    seen=None,
    reason=REASON_PAGE,
    **fields,
):
    """Change any of the account's fields, its sections, its role and whether it is active;
    writes (with history) only what changed. `seen`: the version the page showed."""
    if is_active is not None:
        fields["is_active"] = is_active
    change = AccountChange(
        user=user,
        fields=fields,
        organizations=list(organizations) if organizations is not None else None,
        role=role,
        seen=seen,
    )
    return write_accounts(by=by, changes=[change], reason=reason)[0]


def move_user(*, by, user, organizations, transferred_on=None, seen=None, reason=REASON_PAGE):
    fields = {"transferred_on": transferred_on} if transferred_on else {}
    return update_user(
        by=by, user=user, organizations=organizations, seen=seen, reason=reason, **fields
    )


def deactivate_user(*, by, user, seen=None, reason=REASON_PAGE):
    """Users are never deleted (the history names them); an inactive one cannot log in and is
    sent no mail."""
    return update_user(by=by, user=user, is_active=False, seen=seen, reason=reason)


def activate_user(*, by, user, seen=None, reason=REASON_PAGE):
    return update_user(by=by, user=user, is_active=True, seen=seen, reason=reason)
