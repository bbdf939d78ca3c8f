from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("shiryo3.xlsx", views.download_shiryo3, name="shiryo3"),
    path("shiryo2.xlsx", views.download_shiryo2, name="shiryo2"),
    path("import/", views.upload, name="upload"),
    path("import/confirm/", views.confirm, name="confirm"),
]
