from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("shiryo3/", include("initiatives.urls")),
    path("shiryo2/", include("recommendations.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("public/", include("public.urls")),
    path("documents/", include("documents.urls")),
    path("users/", include("accounts.urls")),
    path("", include("reporting.urls")),
    path("cycle/", include("cycle.urls")),
]
