from django.urls import path

from offers import views

urlpatterns = [
    path("offers/", views.offer_list, name="offers"),
    path("offers/export.csv", views.offer_export, {"fmt": "csv"}, name="offers_export_csv"),
    path("offers/export.xlsx", views.offer_export, {"fmt": "xlsx"}, name="offers_export_xlsx"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/approvals/", views.approvals_queue, name="offer_approvals"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/lines/", views.offer_line_add, name="offer_line_add"),
    path("offers/<int:offer_id>/offer.pdf", views.offer_pdf, name="offer_pdf"),
    path("offers/<int:offer_id>/lines/<int:offer_line_id>/", views.offer_line_update, name="offer_line_update"),
    path("offers/<int:offer_id>/lines/<int:offer_line_id>/remove/", views.offer_line_remove, name="offer_line_remove"),
    *(
        path(f"offers/<int:offer_id>/{action}/", views.offer_action, {"action": action}, name=f"offer_{action}")
        for action in ("submit", "decide", "send", "revise", "win", "lose", "withdraw")
    ),
]
