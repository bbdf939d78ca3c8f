from django.urls import path

from public import views

app_name = "public"
urlpatterns = [
    path("", views.summary, name="summary"),
    path("torikumi-jokyo.csv", views.open_data_csv, name="csv"),
    path("torikumi-jokyo.json", views.open_data_json, name="json"),
]
