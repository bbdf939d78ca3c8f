"""Optional directory login (LDAP / Active Directory) through django-auth-ldap.

With LDAP_SERVER_URI unset nothing changes: `directory_settings` returns no settings and the
login uses the portal's own passwords only. With it set, the directory is asked first and the
portal's own accounts keep working (README lists the variables).
"""

import json

from django.core.exceptions import ImproperlyConfigured

DIRECTORY_BACKEND = "accounts.directory.DirectoryBackend"
GROUP_TYPES = {
    "groupOfNames": "GroupOfNamesType",
    "groupOfUniqueNames": "GroupOfUniqueNamesType",
    "posixGroup": "PosixGroupType",
    "activeDirectory": "ActiveDirectoryGroupType",
    "nestedActiveDirectory": "NestedActiveDirectoryGroupType",
}
ROLE_NAMES = ("課の担当者", "課長", "推進本部", "管理者")


def _get(environ, name, default=""):
    value = environ.get(name, "")
    return value if value != "" else default


def _bool(environ, name, default):
    raw = _get(environ, name)
    if not raw:
        return default
    if raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"環境変数 {name} は true か false で指定してください（値: {raw!r}）。"
    )


def _json_object(environ, name):
    raw = _get(environ, name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ImproperlyConfigured(
            f'環境変数 {name} は {{"名前": "値"}} の形の JSON で指定してください（値: {raw!r}）。'
        )
    return value


def directory_settings(environ):
    """The Django settings for the directory login, from environment variables; {} when
    LDAP_SERVER_URI is not set."""
    uri = _get(environ, "LDAP_SERVER_URI")
    if not uri:
        return {}
    import ldap
    from django_auth_ldap import config

    search_base = _get(environ, "LDAP_USER_SEARCH_BASE")
    if not search_base:
        raise ImproperlyConfigured("環境変数 LDAP_USER_SEARCH_BASE を設定してください。")
    user_filter = _get(environ, "LDAP_USER_FILTER", "(uid=%(user)s)")
    number_attribute = _get(environ, "LDAP_EMPLOYEE_NUMBER_ATTRIBUTE", "employeeNumber")
    role_groups = _json_object(environ, "LDAP_ROLE_GROUPS")
    unknown = sorted(set(role_groups) - set(ROLE_NAMES))
    if unknown:
        raise ImproperlyConfigured(
            f"LDAP_ROLE_GROUPS の役割「{'・'.join(unknown)}」は使えません"
            f"（{'・'.join(ROLE_NAMES)}）。"
        )
    result = {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_START_TLS": _bool(environ, "LDAP_START_TLS", False),
        "AUTH_LDAP_BIND_DN": _get(environ, "LDAP_BIND_DN"),
        "AUTH_LDAP_BIND_PASSWORD": _get(environ, "LDAP_BIND_PASSWORD"),
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(search_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_USER_ATTR_MAP": {
            "first_name": _get(environ, "LDAP_FIRST_NAME_ATTRIBUTE", "givenName"),
            "last_name": _get(environ, "LDAP_LAST_NAME_ATTRIBUTE", "sn"),
            "email": _get(environ, "LDAP_EMAIL_ATTRIBUTE", "mail"),
            "employee_number": number_attribute,
        },
        # Names, mail and the mapped sections and role are written by accounts/directory.py,
        # with history, only when they changed.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "AUTH_LDAP_NO_NEW_USERS": not _bool(environ, "LDAP_CREATE_USERS", True),
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: 5,
            ldap.OPT_TIMEOUT: 10,
            ldap.OPT_REFERRALS: 0,
        },
        "LDAP_SECTION_ATTRIBUTE": _get(environ, "LDAP_SECTION_ATTRIBUTE"),
        "LDAP_SECTION_GROUPS": _json_object(environ, "LDAP_SECTION_GROUPS"),
        "LDAP_ROLE_GROUPS": role_groups,
    }
    group_base = _get(environ, "LDAP_GROUP_SEARCH_BASE")
    if group_base:
        group_type = _get(environ, "LDAP_GROUP_TYPE", "groupOfNames")
        if group_type not in GROUP_TYPES:
            raise ImproperlyConfigured(
                f"LDAP_GROUP_TYPE は {'・'.join(GROUP_TYPES)} のいずれかです"
                f"（値: {group_type!r}）。"
            )
        result["AUTH_LDAP_GROUP_SEARCH"] = config.LDAPSearch(group_base, ldap.SCOPE_SUBTREE)
        result["AUTH_LDAP_GROUP_TYPE"] = getattr(config, GROUP_TYPES[group_type])()
    elif role_groups or result["LDAP_SECTION_GROUPS"]:
        raise ImproperlyConfigured(
            "グループで役割・所属を決めるには LDAP_GROUP_SEARCH_BASE を設定してください。"
        )
    required = _get(environ, "LDAP_REQUIRE_GROUP")
    if required:
        result["AUTH_LDAP_REQUIRE_GROUP"] = required
    return result


def backends_with_directory(backends, directory):
    """The directory backend goes after django-axes' (which refuses locked-out logins before
    anyone looks) and before the portal's own passwords."""
    if not directory:
        return list(backends)
    backends = [b for b in backends if b != DIRECTORY_BACKEND]
    return [backends[0], DIRECTORY_BACKEND, *backends[1:]]
