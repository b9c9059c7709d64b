from django.urls import path

from billing import api

urlpatterns = [
    path("billing/invoices/", api.InvoiceListApi.as_view(), name="api-invoices"),
    path("billing/invoices/<int:invoice_id>/", api.InvoiceDetailApi.as_view(), name="api-invoice"),
    path("billing/invoices/<int:invoice_id>/lines/", api.InvoiceLineListApi.as_view(), name="api-invoice-lines"),
    path(
        "billing/invoices/<int:invoice_id>/lines/<int:line_id>/",
        api.InvoiceLineDetailApi.as_view(),
        name="api-invoice-line",
    ),
    path("billing/invoices/<int:invoice_id>/issue/", api.InvoiceIssueApi.as_view(), name="api-invoice-issue"),
    path("billing/invoices/<int:invoice_id>/credit/", api.InvoiceCreditApi.as_view(), name="api-invoice-credit"),
    path("billing/credit-notes/", api.CreditNoteListApi.as_view(), name="api-credit-notes"),
    path("billing/credit-notes/<int:credit_note_id>/", api.CreditNoteDetailApi.as_view(), name="api-credit-note"),
]
