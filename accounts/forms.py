from django import forms
from django.contrib.auth import password_validation

from accounts.models import User
from accounts.roles import Role
from accounts.services import account_version
from departments.models import Organization
from flatfiles.safe_reader import FILE_TOO_LARGE, MAX_FILE_BYTES

PASSWORDS_DIFFER = "確認用のパスワードが一致しません。"
NUMBER_TAKEN = "この職員番号はほかの利用者が使っています。"
USERNAME_TAKEN = "このユーザー名はほかの利用者が使っています。"
STALE_PAGE = "この画面は古くなっています。利用者管理から開き直してください。"


class OrganizationsField(forms.ModelMultipleChoiceField):
    """Checkboxes of the sections and departments a user can belong to: retired ones only for
    those already in them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, keep=(), **kwargs):
        queryset = Organization.objects.exclude(level=Organization.Level.BUREAU).filter(
            retired_on__isnull=True
        ) | Organization.objects.filter(pk__in=[o.pk for o in keep])
        super().__init__(
            queryset=queryset.order_by("sort_order", "label"),
            label="所属（課・部）",
            required=False,
            help_text="この利用者が担当として入力する課・部（複数可）。推進本部と管理者はなくても構いません。",
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.label}（廃止）" if obj.is_retired else obj.label


def role_field(*, may_grant_admin, current=None):
    choices = [
        (value, label)
        for value, label in Role.choices
        if value != Role.ADMIN or may_grant_admin or current == Role.ADMIN
    ]
    return forms.ChoiceField(label="役割", choices=choices, widget=forms.RadioSelect)


class SeenVersionForm(forms.Form):
    """A form that changes an account sends back the account's version it showed, so the
    service refuses it if someone saved the account meanwhile."""

    seen = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE, "min_value": STALE_PAGE},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen"].initial = account_version(user)

    def clean(self):
        cleaned = super().clean()
        # A hidden field's error would show nowhere next to it.
        for error in self.errors.pop("seen", ()):
            self.add_error(None, error)
        return cleaned


ORGANIZATION_REQUIRED = "課の担当者と課長には所属の課・部を選んでください。"


def _check_organizations_for_role(form, cleaned):
    role = cleaned.get("role")
    if role in (Role.STAFF, Role.HEAD) and not cleaned.get("organizations"):
        form.add_error("organizations", ORGANIZATION_REQUIRED)


class AccountFieldsMixin:
    def clean_employee_number(self):
        number = self.cleaned_data["employee_number"].strip()
        others = User.objects.filter(employee_number=number)
        if getattr(self, "instance_pk", None):
            others = others.exclude(pk=self.instance_pk)
        if number and others.exists():
            raise forms.ValidationError(NUMBER_TAKEN)
        return number


def _text(label, *, max_length, required=True, help_text=""):
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text
    )


class UserCreateForm(AccountFieldsMixin, forms.Form):
    employee_number = _text("職員番号", max_length=20, required=False)
    username = _text(
        "ユーザー名",
        max_length=150,
        required=False,
        help_text="ログインに使う名前。空けておくと職員番号になります。",
    )
    last_name = _text("姓", max_length=150)
    first_name = _text("名", max_length=150, required=False)
    email = forms.EmailField(label="メールアドレス", required=False)
    password1 = forms.CharField(
        label="初期パスワード",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "ディレクトリ（庁内のアカウント）でログインする人は空けておきます。"
            "空けておくと、パスワードではログインできません。"
        ),
    )
    password2 = forms.CharField(
        label="初期パスワード（確認）",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, may_grant_admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"] = OrganizationsField()
        self.fields["role"] = role_field(may_grant_admin=may_grant_admin)
        self.fields["role"].initial = Role.STAFF

    def clean(self):
        cleaned = super().clean()
        username = cleaned.get("username") or cleaned.get("employee_number")
        if not username:
            self.add_error("username", "ユーザー名か職員番号を入力してください。")
        elif User.objects.filter(username=username).exists():
            self.add_error(
                "username" if cleaned.get("username") else "employee_number", USERNAME_TAKEN
            )
        cleaned["username"] = username
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", PASSWORDS_DIFFER)
        elif cleaned.get("password1"):
            try:
                password_validation.validate_password(
                    cleaned["password1"], User(username=username or "")
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        _check_organizations_for_role(self, cleaned)
        return cleaned


class UserChangeForm(AccountFieldsMixin, SeenVersionForm):
    employee_number = _text("職員番号", max_length=20, required=False)
    last_name = _text("姓", max_length=150)
    first_name = _text("名", max_length=150, required=False)
    email = forms.EmailField(label="メールアドレス", required=False)

    def __init__(self, *args, user, may_grant_admin, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "employee_number": user.employee_number,
                "last_name": user.last_name,
                "first_name": user.first_name,
                "email": user.email,
                "role": user.role,
            },
        )
        super().__init__(*args, user=user, **kwargs)
        self.instance_pk = user.pk
        self.fields["role"] = role_field(may_grant_admin=may_grant_admin, current=user.role)
        self.organization_count = len(user.organizations.all())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") in (Role.STAFF, Role.HEAD) and not self.organization_count:
            self.add_error("role", "所属のない利用者は、先に「異動」で所属を選んでください。")
        return cleaned


class UserMoveForm(SeenVersionForm):
    transferred_on = forms.DateField(
        label="異動日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "異動日を 2026-04-01 の形で入力してください。"},
    )

    def __init__(self, *args, user, **kwargs):
        current = list(user.organizations.all())
        kwargs.setdefault("initial", {"organizations": current})
        super().__init__(*args, user=user, **kwargs)
        self.fields["organizations"] = OrganizationsField(keep=current)
        self.fields["organizations"].label = "異動後の所属（課・部）"
        self.order_fields(["organizations", "transferred_on"])
        self.role = user.role

    def clean(self):
        cleaned = super().clean()
        cleaned["role"] = self.role
        _check_organizations_for_role(self, cleaned)
        return cleaned


class UserActiveForm(SeenVersionForm):
    """無効にする / 有効にする: the page offers the opposite of the state it showed; the version
    makes sure that is still the state, so a second person's click does not undo the first's."""


class PersonnelUploadForm(forms.Form):
    file = forms.FileField(
        label="職員名簿のファイル",
        help_text="CSV（UTF-8 または Shift_JIS）か Excel ブック（.xlsx）、10 MB まで。",
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です。"},
    )
    deactivate_missing = forms.BooleanField(
        label="名簿にない職員を無効にする（全職員の名簿のとき）",
        required=False,
        help_text=(
            "職員番号のある利用者のうち、この名簿にない人をログインできなくします。"
            "一部の職員だけの名簿では選ばないでください。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE)
        return upload
