from django.urls import path

from recommendations import views

app_name = "recommendations"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("bulk/", views.report_bulk, name="bulk"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/review/", views.report_review, name="review"),
]
