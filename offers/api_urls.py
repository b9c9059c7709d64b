from django.urls import path

from offers import api, api_orders

urlpatterns = [
    path("offers/", api.OfferListApi.as_view(), name="api-offers"),
    path("offers/<int:offer_id>/", api.OfferDetailApi.as_view(), name="api-offer"),
    path("offers/<int:offer_id>/lines/", api.OfferLineListApi.as_view(), name="api-offer-lines"),
    path("offers/<int:offer_id>/submit/", api.OfferSubmitApi.as_view(), name="api-offer-submit"),
    path("offers/<int:offer_id>/decide/", api.OfferDecideApi.as_view(), name="api-offer-decide"),
    path("offers/<int:offer_id>/send/", api.OfferSendApi.as_view(), name="api-offer-send"),
    path("offers/<int:offer_id>/revise/", api.OfferReviseApi.as_view(), name="api-offer-revise"),
    path("offers/<int:offer_id>/win/", api.OfferWinApi.as_view(), name="api-offer-win"),
    path("offers/<int:offer_id>/lose/", api.OfferLoseApi.as_view(), name="api-offer-lose"),
    path("offers/<int:offer_id>/withdraw/", api.OfferWithdrawApi.as_view(), name="api-offer-withdraw"),
    path("offers/orders/", api_orders.OrderListApi.as_view(), name="api-orders"),
    path("offers/orders/check/", api_orders.OrderCheckListApi.as_view(), name="api-order-check"),
    path("offers/orders/<int:order_id>/", api_orders.OrderDetailApi.as_view(), name="api-order"),
    path(
        "offers/orders/<int:order_id>/invoice-by/",
        api_orders.OrderSetInvoiceByApi.as_view(),
        name="api-order-invoice-by",
    ),
    path("offers/orders/<int:order_id>/invoice/", api_orders.OrderInvoiceApi.as_view(), name="api-order-invoice"),
    path(
        "offers/orders/lines/<int:order_line_id>/plan/",
        api_orders.OrderPlanDeliveryApi.as_view(),
        name="api-order-plan-delivery",
    ),
    path(
        "offers/orders/lines/<int:order_line_id>/deliveries/",
        api_orders.OrderRecordDeliveryApi.as_view(),
        name="api-order-record-delivery",
    ),
    path(
        "offers/orders/deliveries/<int:delivery_id>/receipt/",
        api_orders.OrderConfirmReceiptApi.as_view(),
        name="api-order-confirm-receipt",
    ),
]
