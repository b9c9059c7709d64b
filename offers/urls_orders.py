from django.urls import path

from offers import views_orders

urlpatterns = [
    path("offers/orders/check/", views_orders.order_check_list, name="order_check"),
    path(
        "offers/orders/check/export.csv",
        views_orders.order_check_export,
        {"fmt": "csv"},
        name="order_check_export_csv",
    ),
    path(
        "offers/orders/check/export.xlsx",
        views_orders.order_check_export,
        {"fmt": "xlsx"},
        name="order_check_export_xlsx",
    ),
    path("offers/orders/<int:order_id>/invoice/", views_orders.order_invoice, name="order_invoice"),
    path("offers/orders/<int:order_id>/invoice-by/", views_orders.order_set_invoice_by, name="order_invoice_by"),
    path("offers/orders/lines/<int:order_line_id>/plan/", views_orders.delivery_plan, name="order_delivery_plan"),
    path(
        "offers/orders/lines/<int:order_line_id>/deliveries/",
        views_orders.delivery_record,
        name="order_delivery_record",
    ),
    path(
        "offers/orders/deliveries/<int:delivery_id>/receipt/",
        views_orders.delivery_confirm_receipt,
        name="order_delivery_receipt",
    ),
]
