from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("add/", views.user_add, name="add"),
    path("<int:pk>/", views.user_change, name="change"),
    path("<int:pk>/move/", views.user_move, name="move"),
    path("<int:pk>/active/", views.user_active, name="active"),
    path("import/", views.personnel_upload, name="import"),
    path("import/confirm/", views.personnel_confirm, name="import_confirm"),
]
