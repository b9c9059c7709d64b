"""Pages of payments under /o/<org_slug>/billing/payments/ (TenantMiddleware has resolved the
organisation)."""

from django.urls import path

from billing import views_payments as views

urlpatterns = [
    path("billing/payments/", views.payment_list, name="payments"),
    path("billing/payments/export.csv", views.payment_export, {"fmt": "csv"}, name="payments_export_csv"),
    path("billing/payments/export.xlsx", views.payment_export, {"fmt": "xlsx"}, name="payments_export_xlsx"),
    path("billing/payments/new/", views.payment_create, name="payment_create"),
    path("billing/payments/<int:payment_id>/", views.payment_detail, name="payment_detail"),
    path("billing/payments/<int:payment_id>/allocate/", views.payment_allocate, name="payment_allocate"),
    path("billing/payments/<int:payment_id>/reverse/", views.payment_reverse, name="payment_reverse"),
]
