"""Flat import/export of the users (see flatfiles/resources.py).

Passwords are never exported or imported; a user created by an import gets an unusable password
(they set one through the admin's password form or a reset). Superuser status and single
permissions are left to the admin's user form.
"""

from django.contrib.auth.models import Group

from accounts.models import User
from departments.resources import organizations_widget
from flatfiles.resources import (
    Field,
    FlatResource,
    NaturalKeysWidget,
    TextWidget,
    YesNoWidget,
    by,
    every,
    verbose,
)

# Django's own fields have translated verbose names; the headers must not depend on the language
# that happens to be active when this module is imported.
COLUMNS = {
    "username": "ユーザー名",
    "last_name": "姓",
    "first_name": "名",
    "email": "メールアドレス",
    "organizations": verbose(User, "organizations"),
    "groups": "グループ",
    "is_staff": "スタッフ権限",
    "is_active": "有効",
}


def _text(name):
    return Field(attribute=name, column_name=COLUMNS[name], widget=TextWidget())


def _yes_no(name):
    return Field(attribute=name, column_name=COLUMNS[name], widget=YesNoWidget(COLUMNS[name]))


class UserResource(FlatResource):
    username = _text("username")
    last_name = _text("last_name")
    first_name = _text("first_name")
    email = _text("email")
    organizations = Field(
        attribute="organizations",
        column_name=COLUMNS["organizations"],
        widget=organizations_widget(COLUMNS["organizations"], required=False),
    )
    groups = Field(
        attribute="groups",
        column_name=COLUMNS["groups"],
        widget=NaturalKeysWidget(
            COLUMNS["groups"],
            model=Group,
            key=lambda group: group.name,
            find=by(Group, "name"),
            preload=every(Group, lambda group: group.name),
            required=False,
        ),
    )
    is_staff = _yes_no("is_staff")
    is_active = _yes_no("is_active")

    export_prefetch_related = ("organizations", "groups")

    class Meta:
        model = User
        name = "利用者"
        fields = (
            "username",
            "last_name",
            "first_name",
            "email",
            "organizations",
            "groups",
            "is_staff",
            "is_active",
        )
        import_id_fields = ("username",)

    def init_instance(self, row=None):
        user = User()
        user.set_unusable_password()
        return user

    def row_name(self, instance):
        return instance.username
