from django.urls import path

from clients import api

urlpatterns = [
    path("clients/", api.ClientListApi.as_view(), name="api-clients"),
    path("clients/<int:client_id>/", api.ClientDetailApi.as_view(), name="api-client"),
    path("contacts/", api.ContactListApi.as_view(), name="api-contacts"),
    path("contacts/<int:contact_id>/", api.ContactDetailApi.as_view(), name="api-contact"),
]
