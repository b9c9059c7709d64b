from django.urls import path

from billing import api_statements as api

urlpatterns = [
    path("billing/accounts/<int:account_id>/statement/", api.StatementApi.as_view(), name="api-statement"),
    path(
        "billing/accounts/<int:account_id>/statement/product/",
        api.ProductStatementApi.as_view(),
        name="api-product-statement",
    ),
]
