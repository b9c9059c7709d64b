"""Pages under /o/<org_slug>/billing/ (TenantMiddleware has resolved the organisation)."""

from django.urls import path

from billing import views

urlpatterns = [
    path("billing/invoices/", views.invoice_list, name="invoices"),
    path("billing/invoices/export.csv", views.invoice_export, {"fmt": "csv"}, name="invoices_export_csv"),
    path("billing/invoices/export.xlsx", views.invoice_export, {"fmt": "xlsx"}, name="invoices_export_xlsx"),
    path("billing/invoices/new/", views.invoice_create, name="invoice_create"),
    path("billing/invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("billing/invoices/<int:invoice_id>/edit/", views.invoice_edit, name="invoice_edit"),
    path("billing/invoices/<int:invoice_id>/delete/", views.invoice_delete, name="invoice_delete"),
    path("billing/invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("billing/invoices/<int:invoice_id>/credit/", views.invoice_credit, name="invoice_credit"),
    path("billing/invoices/<int:invoice_id>/lines/", views.invoice_line_add, name="invoice_line_add"),
    path("billing/invoices/<int:invoice_id>/lines/<int:line_id>/", views.invoice_line_edit, name="invoice_line_edit"),
    path(
        "billing/invoices/<int:invoice_id>/lines/<int:line_id>/remove/",
        views.invoice_line_remove,
        name="invoice_line_remove",
    ),
    path("billing/credit-notes/", views.credit_note_list, name="credit_notes"),
    path("billing/credit-notes/export.csv", views.credit_note_export, {"fmt": "csv"}, name="credit_notes_export_csv"),
    path(
        "billing/credit-notes/export.xlsx", views.credit_note_export, {"fmt": "xlsx"}, name="credit_notes_export_xlsx"
    ),
    path("billing/credit-notes/<int:credit_note_id>/", views.credit_note_detail, name="credit_note_detail"),
]
