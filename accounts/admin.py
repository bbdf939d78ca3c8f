from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm

from accounts.forms import UserAddForm, UserRoleChangeForm
from accounts.models import User
from accounts.resources import UserResource
from departments.retirement import KeepsRetiredOrganizations
from portal.flat_formats import FlatImportExportMixin


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
        *BaseUserAdmin.fieldsets[:2],
        ("所属と役割", {"fields": ["organizations", "role"]}),
        *BaseUserAdmin.fieldsets[2:],
    ]

    add_form = UserAddForm
    form = UserRoleChangeForm
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        ("氏名", {"fields": ["last_name", "first_name", "email"]}),
        ("所属と役割", {"fields": ["organizations", "role"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(description="所属")
    def organizations_display(self, obj):
        return "、".join(org.label for org in obj.organizations.all())
