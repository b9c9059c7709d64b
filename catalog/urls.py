"""Pages under /o/<org_slug>/catalog/ (TenantMiddleware has resolved the organisation)."""

from django.urls import path

from catalog import views

urlpatterns = [
    path("catalog/", views.product_list, name="products"),
    path("catalog/export.csv", views.product_export, {"fmt": "csv"}, name="products_export_csv"),
    path("catalog/export.xlsx", views.product_export, {"fmt": "xlsx"}, name="products_export_xlsx"),
    path("catalog/new/", views.product_create, name="product_create"),
    path("catalog/<int:product_id>/", views.product_detail, name="product_detail"),
    path("catalog/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("catalog/<int:product_id>/price/", views.product_price, name="product_price"),
    path("catalog/<int:product_id>/obsolete/", views.product_obsolete, name="product_obsolete"),
    path("catalog/<int:product_id>/reactivate/", views.product_reactivate, name="product_reactivate"),
    path("catalog/settings/", views.catalog_settings, name="catalog_settings"),
    path("catalog/tax-rates/", views.tax_rate_create, name="tax_rate_create"),
    path("catalog/tax-rates/<int:tax_rate_id>/", views.tax_rate_edit, name="tax_rate_edit"),
    path("catalog/tax-rates/<int:tax_rate_id>/delete/", views.tax_rate_delete, name="tax_rate_delete"),
    path("catalog/categories/", views.category_create, name="category_create"),
    path("catalog/categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path("catalog/categories/<int:category_id>/delete/", views.category_delete, name="category_delete"),
]
