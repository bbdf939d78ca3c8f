"""The shell's own pages: the home page and healthz (vision_portal/urls.py includes them at the
site's root)."""

from django.urls import path

from shell import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
]
