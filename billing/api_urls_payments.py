from django.urls import path

from billing import api_payments as api

urlpatterns = [
    path("billing/payments/", api.PaymentListApi.as_view(), name="api-payments"),
    path("billing/payments/<int:payment_id>/", api.PaymentDetailApi.as_view(), name="api-payment"),
    path("billing/payments/<int:payment_id>/allocate/", api.PaymentAllocateApi.as_view(), name="api-payment-allocate"),
    path("billing/payments/<int:payment_id>/reverse/", api.PaymentReverseApi.as_view(), name="api-payment-reverse"),
    path("billing/allocations/", api.AllocationListApi.as_view(), name="api-allocations"),
]
