from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("periods/", views.period_list, name="periods"),
    path("periods/new/", views.period_new, name="period_new"),
    path("periods/<slug:code>/close/", views.period_close, name="period_close"),
    path("periods/<slug:code>/meeting/", views.period_meeting, name="period_meeting"),
]
