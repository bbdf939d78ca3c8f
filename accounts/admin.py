from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.shortcuts import redirect

from accounts.models import User
from accounts.resources import UserResource
from departments.retirement import KeepsRetiredOrganizations
from flatfiles.formats import FlatImportExportMixin


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
        ("所属", {"fields": ["organizations"]}),
        *BaseUserAdmin.fieldsets[2:],
    ]

    def add_view(self, request, form_url="", extra_context=None):
        """A new user is made on 利用者管理's add page: sections and role in the same step,
        written through accounts/services.py like every account (not a bare group among the
        permissions, nor a second save)."""
        return redirect("accounts:add")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(description="所属")
    def organizations_display(self, obj):
        return "、".join(org.label for org in obj.organizations.all())
