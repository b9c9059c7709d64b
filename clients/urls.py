from django.urls import path

from clients import views

urlpatterns = [
    path("clients/", views.client_list, name="clients"),
    path("clients/export.csv", views.client_export, {"fmt": "csv"}, name="clients_export_csv"),
    path("clients/export.xlsx", views.client_export, {"fmt": "xlsx"}, name="clients_export_xlsx"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:client_id>/contacts/", views.contact_create, name="contact_create"),
    path("contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
]
