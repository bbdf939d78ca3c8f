from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("tracker/", views.tracker, name="tracker"),
    path("departments/", views.departments, name="departments"),
    path("moves/", views.moves, name="moves"),
]
