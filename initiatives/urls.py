from django.urls import path

from initiatives import views

app_name = "initiatives"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("bulk/", views.entry_bulk, name="bulk"),
    path("<int:pk>/", views.entry_detail, name="detail"),
    path("<int:pk>/edit/", views.entry_edit, name="edit"),
    path("<int:pk>/review/", views.entry_review, name="review"),
]
