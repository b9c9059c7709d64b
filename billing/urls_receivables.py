"""Pages under /o/<org_slug>/billing/receivables/ (TenantMiddleware has resolved the organisation)."""

from django.urls import path

from billing import views_receivables

urlpatterns = [
    path("billing/receivables/", views_receivables.receivables, name="receivables"),
    path(
        "billing/receivables/export.csv",
        views_receivables.receivables_export,
        {"fmt": "csv"},
        name="receivables_export_csv",
    ),
    path(
        "billing/receivables/export.xlsx",
        views_receivables.receivables_export,
        {"fmt": "xlsx"},
        name="receivables_export_xlsx",
    ),
]
