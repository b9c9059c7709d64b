from django.urls import path

from offers import api

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
]
