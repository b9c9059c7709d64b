"""API under /api/v1/o/<org_slug>/billing/: the aging and the DSO."""

from django.urls import path

from billing import api_receivables

urlpatterns = [
    path("billing/aging/", api_receivables.AgingApi.as_view(), name="api-billing-aging"),
    path("billing/dso/", api_receivables.DsoApi.as_view(), name="api-billing-dso"),
]
