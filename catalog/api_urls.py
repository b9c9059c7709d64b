from django.urls import path

from catalog import api

urlpatterns = [
    path("products/", api.ProductListApi.as_view(), name="api-products"),
    path("products/<int:product_id>/", api.ProductDetailApi.as_view(), name="api-product"),
    path("products/<int:product_id>/prices/", api.ProductPriceApi.as_view(), name="api-product-prices"),
    path("products/<int:product_id>/obsolete/", api.ProductObsoleteApi.as_view(), name="api-product-obsolete"),
    path("products/<int:product_id>/reactivate/", api.ProductReactivateApi.as_view(), name="api-product-reactivate"),
    path("tax-rates/", api.TaxRateListApi.as_view(), name="api-tax-rates"),
    path("categories/", api.CategoryListApi.as_view(), name="api-categories"),
]
