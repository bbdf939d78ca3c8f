from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.shortcuts import redirect

from accounts.models import User
from accounts.resources import UserResource
from departments.retirement import KeepsRetiredOrganizations
from flatfiles.formats import FlatImportExportMixin

USER_NOT_DELETABLE = (
    "利用者は削除できません（履歴と、利用者が書いた報告がその人を指しています）。"
    "使わなくなった利用者は、利用者管理で無効にしてください。"
)


SERVICE_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "employee_number",
    "transferred_on",
    "organizations",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
]
SERVICE_FIELDS_NOTE = (
    "氏名・メールアドレス・職員番号・所属・役割（推進本部・課長・管理者）・有効／無効は、"
    "利用者管理（/users/）で変更します。そこでの変更は確認され、履歴に残ります。"
    "ここではパスワードと個別の権限だけを変更できます。"
)


class UserAdminForm(KeepsRetiredOrganizations, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(FlatImportExportMixin, BaseUserAdmin):
    resource_classes = [UserResource]
    form = UserAdminForm
    list_display = [
        "username",
        "last_name",
        "first_name",
        "organizations_display",
        "is_staff",
        "is_active",
    ]
    list_filter = [
        "is_staff",
        "is_active",
        "groups",
        ("organizations", admin.RelatedOnlyFieldListFilter),
    ]
    filter_horizontal = ["groups", "user_permissions", "organizations"]
    fieldsets = [
        (
            None,
            {
                "fields": ["username", "password"],
                "description": SERVICE_FIELDS_NOTE,
            },
        ),
        *BaseUserAdmin.fieldsets[1:2],
        ("所属", {"fields": ["organizations", "employee_number", "transferred_on"]}),
        *BaseUserAdmin.fieldsets[2:],
    ]

    def get_readonly_fields(self, request, obj=None):
        # What accounts/services.py writes (with its checks, the role as one value and the
        # history) is changed on 利用者管理; here only the password and single permissions.
        if obj is None:
            return super().get_readonly_fields(request, obj)
        return [*SERVICE_FIELDS, "last_login", "date_joined"]

    def add_view(self, request, form_url="", extra_context=None):
        """A new user is made on 利用者管理's add page: sections and role in the same step,
        written through accounts/services.py like every account (not a bare group among the
        permissions, nor a second save)."""
        return redirect("accounts:add")

    def has_delete_permission(self, request, obj=None):
        # Deleting a user would blank 更新者 on every entry they wrote, outside the one writer.
        return False

    def delete_view(self, request, object_id, extra_context=None):
        messages.error(request, USER_NOT_DELETABLE)
        return redirect("accounts:list")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(description="所属")
    def organizations_display(self, obj):
        return "、".join(org.label for org in obj.organizations.all())
