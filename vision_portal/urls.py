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
    path("", include("portal.urls")),
]
