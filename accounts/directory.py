"""Login with the directory account (django-auth-ldap), see vision_portal/ldap.py.

The directory says who someone is (password, name, mail, 職員番号); the portal keeps the
account, so a deactivated account stays shut whatever the directory says, and the same
permission rules, login throttling and idle timeout apply as to the portal's own accounts.
Sections and role come from the directory only when settings map them (LDAP_SECTION_ATTRIBUTE,
LDAP_SECTION_GROUPS, LDAP_ROLE_GROUPS); otherwise the HQ manages them on 利用者管理."""

import logging

from django.conf import settings
from django_auth_ldap.backend import LDAPBackend

from accounts import services
from accounts.models import User
from accounts.personnel import ROLE_NAMES, fold
from accounts.roles import Role
from departments.models import Organization

logger = logging.getLogger(__name__)
# The strongest mapped role wins when someone is in several groups.
ROLE_ORDER = [Role.ADMIN, Role.HQ, Role.HEAD]


def _first(attrs, name):
    values = attrs.get(name) if attrs and name else None
    return values[0].strip() if values else ""


class DirectoryBackend(LDAPBackend):
    def get_or_build_user(self, username, ldap_user):
        """The account with the directory entry's 職員番号 if there is one (made by the
        personnel-list import under that number), else the one with the login name."""
        number = _first(ldap_user.attrs, self.settings.USER_ATTR_MAP.get("employee_number"))
        if number:
            user = User.objects.filter(employee_number=number).first()
            if user is not None:
                return user, False
        return super().get_or_build_user(username, ldap_user)

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None or not user.is_active:
            return None
        return sync_from_directory(user, ldap_user, self.settings.USER_ATTR_MAP)

    def get_user(self, user_id):
        # A deactivated account's open sessions end with its next request.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def _organizations(user, ldap_user):
    labels = []
    attribute = settings.LDAP_SECTION_ATTRIBUTE
    if attribute:
        labels += (ldap_user.attrs or {}).get(attribute, [])
    if settings.LDAP_SECTION_GROUPS:
        member_of = {dn.lower() for dn in ldap_user.group_dns}
        labels += [
            label for dn, label in settings.LDAP_SECTION_GROUPS.items() if dn.lower() in member_of
        ]
    known = {fold(o.label): o for o in Organization.objects.all()}
    current = set(user.organizations.values_list("pk", flat=True)) if user.pk else set()
    found = []
    for label in labels:
        organization = known.get(fold(label))
        if organization is None:
            logger.warning("ディレクトリの所属「%s」（%s）がポータルにありません。", label, user)
        elif organization.is_retired and organization.pk not in current:
            logger.warning("ディレクトリの所属「%s」（%s）は廃止された課です。", label, user)
        elif organization not in found:
            found.append(organization)
    return found


def _role(ldap_user):
    member_of = {dn.lower() for dn in ldap_user.group_dns}
    mapped = {ROLE_NAMES[name]: dn.lower() for name, dn in settings.LDAP_ROLE_GROUPS.items()}
    return next((role for role in ROLE_ORDER if mapped.get(role) in member_of), Role.STAFF)


def sync_from_directory(user, ldap_user, attr_map):
    """Write what the directory says about the user, with history, when it changed."""
    fields = {}
    for field, attribute in attr_map.items():
        value = _first(ldap_user.attrs, attribute)
        if value:
            fields[field] = value
    number = fields.get("employee_number")
    if number and User.objects.filter(employee_number=number).exclude(pk=user.pk).exists():
        logger.warning("ディレクトリの職員番号「%s」はほかの利用者が使っています。", number)
        del fields["employee_number"]
    mapped = {}
    if settings.LDAP_SECTION_ATTRIBUTE or settings.LDAP_SECTION_GROUPS:
        mapped["organizations"] = _organizations(user, ldap_user)
    if settings.LDAP_ROLE_GROUPS:
        mapped["role"] = _role(ldap_user)
    synced = services.update_user(
        by=None, user=user, reason=services.REASON_DIRECTORY, **mapped, **fields
    )
    synced.ldap_user = ldap_user
    return synced
