from django.urls import path

from cycle import views

app_name = "cycle"
urlpatterns = [
    path("keepalive/", views.keepalive, name="keepalive"),
    path("reminders/", views.reminders, name="reminders"),
    path("<slug:slug>/<int:pk>/comment/", views.comment, name="comment"),
    path("<slug:slug>/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
