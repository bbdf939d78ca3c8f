"""The demo personas of README. Created by `make setup` (create_demo_users) and by the tests."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import HQ_GROUP
from departments.models import Organization

DEMO_PASSWORD = "vision-demo"
DEMO_USERS = [
    {"username": "admin", "last_name": "管理者", "superuser": True},
    {"username": "honbu", "last_name": "推進本部事務局", "groups": [HQ_GROUP]},
    {"username": "hogo", "last_name": "保護課担当", "organizations": ["保）保護課"]},
    {
        "username": "jisou",
        "last_name": "児童相談所担当",
        "organizations": ["子）児童相談所", "子）地域連携課"],
    },
]


class MissingOrganization(Exception):
    pass


def create_demo_users():
    """Create the personas that are missing; returns the usernames created."""
    User = get_user_model()
    created_names = []
    for spec in DEMO_USERS:
        labels = spec.get("organizations", [])
        organizations = list(Organization.objects.filter(label__in=labels))
        if len(organizations) != len(labels):
            raise MissingOrganization("所属の組織がありません。先に load_seed を実行してください。")
        user, created = User.objects.get_or_create(
            username=spec["username"], defaults={"last_name": spec["last_name"]}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = spec.get("superuser", False)
            user.save()
            created_names.append(user.username)
        if not user.email:
            # example.jp is reserved for examples: the demo's mail goes nowhere real.
            user.email = f"{user.username}@example.jp"
            user.save(update_fields=["email"])
        user.groups.add(*(Group.objects.get_or_create(name=g)[0] for g in spec.get("groups", [])))
        user.organizations.add(*organizations)
    return created_names
