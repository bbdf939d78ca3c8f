"""Flat import/export of the users (see flatfiles/resources.py).

The file is read and checked by the library like every flat import, but each row is written by
accounts/services.py, the one writer of accounts: the same checks as 利用者管理 (role, retired
sections, a 職員番号 used twice, only an administrator makes an administrator, nobody
deactivates themselves), one history record per changed account under the importing user, and
the role written as its groups and flags. A deactivated user's sessions end with their next
request, as on the pages. Any refused row rolls the whole import back.

Passwords are never exported or imported; a user created by an import gets an unusable password
(they set one through the admin's password form or a reset, or log in through the directory).
Single permissions are left to the admin's user form.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery

from accounts import services
from accounts.models import User
from accounts.roles import Role, with_roles
from departments.resources import organizations_widget
from flatfiles.resources import (
    ChoiceWidget,
    Field,
    FlatResource,
    NumberWidget,
    RowError,
    TextWidget,
    YesNoWidget,
    verbose,
)

# Django's own fields have translated verbose names; the headers must not depend on the language
# that happens to be active when this module is imported.
COLUMNS = {
    "username": "ユーザー名",
    "last_name": "姓",
    "first_name": "名",
    "email": "メールアドレス",
    "employee_number": verbose(User, "employee_number"),
    "organizations": verbose(User, "organizations"),
    "role": "役割",
    "is_active": "有効",
    "version": "版",
}
STALE_ROW = (
    "{username}: ファイルを作った後にこの利用者が変更されています。"
    "もう一度エクスポートして、その上で直してください。"
)
# The columns of files exported before the role: the groups and flags a role is made of. Written
# one by one they could make a user both 推進本部 and 課長, or staff without being 管理者.
OLD_COLUMNS = ("グループ", "スタッフ権限")
OLD_COLUMNS_REFUSED = (
    "列{columns}は取り込めません。推進本部・課長・管理者は「役割」列に"
    "「課の担当者」「課長」「推進本部」「管理者」のどれかで書いてください"
    "（いまの一覧を出力すると、その形のファイルになります）。"
)


def _text(name):
    return Field(attribute=name, column_name=COLUMNS[name], widget=TextWidget())


class UserResource(FlatResource):
    username = _text("username")
    last_name = _text("last_name")
    first_name = _text("first_name")
    email = _text("email")
    employee_number = _text("employee_number")
    organizations = Field(
        attribute="organizations",
        column_name=COLUMNS["organizations"],
        widget=organizations_widget(COLUMNS["organizations"], required=False),
    )
    role = Field(attribute="role", column_name=COLUMNS["role"], widget=ChoiceWidget("役割", Role))
    is_active = Field(
        attribute="is_active", column_name=COLUMNS["is_active"], widget=YesNoWidget("有効")
    )
    # The account's version the file was made from (services.account_version): a row changed
    # since is refused instead of undoing that change. A file without the column is not checked.
    version = Field(
        attribute="version",
        column_name=COLUMNS["version"],
        widget=NumberWidget(COLUMNS["version"], required=False),
    )

    export_prefetch_related = ("organizations",)

    class Meta:
        model = User
        name = "利用者"
        fields = tuple(COLUMNS)
        import_id_fields = ("username",)

    def filter_export(self, queryset, **kwargs):
        # The role and the version as values computed in the same query (accounts/roles.py).
        latest = User.history.filter(id=OuterRef("pk")).order_by("-history_id")
        return with_roles(super().filter_export(queryset, **kwargs)).annotate(
            version=Subquery(latest.values("history_id")[:1])
        )

    def init_instance(self, row=None):
        user = User()
        user.role = Role.STAFF.value
        return user

    def row_name(self, instance):
        return instance.username

    def full_clean(self, instance, errors, validate_unique):
        # A username or 職員番号 already used is the service's to say, with whose it is; the
        # service also gives a new account its (unusable) password.
        try:
            instance.full_clean(
                exclude=[*errors, "password"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(dict(errors))
        if errors:
            raise ValidationError(errors)

    def before_import(self, dataset, **kwargs):
        self.import_user = kwargs.get("user")
        old = [name for name in OLD_COLUMNS if name in (dataset.headers or [])]
        if old:
            while dataset.height:
                del dataset[0]
            raise RowError(
                OLD_COLUMNS_REFUSED.format(columns="".join(f"「{name}」" for name in old))
            )
        super().before_import(dataset, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Through the accounts service, sections and role with the fields in one change."""
        self.before_save_instance(instance, row, **kwargs)
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return  # a dry run that could not be rolled back writes nothing
        names = [
            field.attribute
            for field in self.get_import_fields()
            if field.column_name in row and field.attribute in services.ACCOUNT_FIELDS
        ]
        if is_create:
            names = list(dict.fromkeys(["username", *names]))
        organizations = None
        if COLUMNS["organizations"] in row:
            organizations = self.fields["organizations"].clean(row)
        role = None
        if COLUMNS["role"] in row or is_create:
            role = Role(instance.role)
        change = services.AccountChange(
            user=None if is_create else instance,
            fields={name: getattr(instance, name) for name in names},
            organizations=organizations,
            role=role,
            seen=None if is_create else getattr(instance, "version", None),
        )
        try:
            (written,) = services.write_accounts(
                by=self.import_user, changes=[change], reason=services.REASON_ADMIN_IMPORT
            )
        except services.ChangedMeanwhile:
            raise RowError(STALE_ROW.format(username=instance.username)) from None
        except services.AccountError as error:
            raise RowError(error.message) from None
        except PermissionDenied as error:
            raise RowError(str(error)) from None
        instance.pk = written.pk
        instance._state.adding = False
        self.after_save_instance(instance, row, **kwargs)

    def save_m2m(self, instance, row, **kwargs):
        """Written with the account by save_instance."""
