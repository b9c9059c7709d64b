"""Pages of statements under /o/<org_slug>/billing/ (TenantMiddleware has resolved the organisation)."""

from django.urls import path

from billing import views_statements as views

urlpatterns = [
    path("billing/statements/", views.statement_list, name="statements"),
    path("billing/statements/export.csv", views.statement_list_export, {"fmt": "csv"}, name="statements_export_csv"),
    path("billing/statements/export.xlsx", views.statement_list_export, {"fmt": "xlsx"}, name="statements_export_xlsx"),
    path("billing/statements/batches/", views.statement_batch_create, name="statement_batch_create"),
    path("billing/statements/batches/<int:batch_id>/", views.statement_batch, name="statement_batch"),
    path(
        "billing/statements/batches/<int:batch_id>/download/",
        views.statement_batch_download,
        name="statement_batch_download",
    ),
    path("billing/accounts/<int:account_id>/statement/", views.statement, name="statement"),
    path("billing/accounts/<int:account_id>/statement/product/", views.statement_product, name="statement_product"),
    path("billing/accounts/<int:account_id>/statement/send/", views.statement_send, name="statement_send"),
]
