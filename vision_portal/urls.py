"""The root URL configuration (ROOT_URLCONF): login, the admin and every app's pages under their
prefix. It names the apps only as strings, but it wires them all, so docs/architecture.md puts it
above them (`vision_portal.urls`, apart from the settings at the bottom)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "児童虐待防止 取組管理ポータル 管理画面"
admin.site.site_title = "取組管理ポータル 管理"
admin.site.index_title = "マスタ・利用者の管理"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("shell.urls")),
    path("shiryo3/", include("initiatives.urls")),
    path("shiryo2/", include("recommendations.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("public/", include("public.urls")),
    path("documents/", include("documents.urls")),
    path("users/", include("accounts.urls")),
    path("", include("reporting.urls")),
    path("cycle/", include("cycle.urls")),
]
