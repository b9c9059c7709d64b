from django.urls import path

from offers import views, views_products

urlpatterns = [
    path("offers/", views.offer_list, name="offers"),
    path("offers/export.csv", views.offer_export, {"fmt": "csv"}, name="offers_export_csv"),
    path("offers/export.xlsx", views.offer_export, {"fmt": "xlsx"}, name="offers_export_xlsx"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/approvals/", views.approvals_queue, name="offer_approvals"),
    path("offers/settings/", views.offer_settings, name="offer_settings"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/lines/", views.offer_line_add, name="offer_line_add"),
    path("offers/<int:offer_id>/offer.pdf", views.offer_pdf, name="offer_pdf"),
    path("offers/<int:offer_id>/lines/<int:offer_line_id>/", views.offer_line_update, name="offer_line_update"),
    path("offers/<int:offer_id>/lines/<int:offer_line_id>/remove/", views.offer_line_remove, name="offer_line_remove"),
    *(
        path(f"offers/<int:offer_id>/{action}/", views.offer_action, {"action": action}, name=f"offer_{action}")
        for action in ("submit", "decide", "send", "revise", "win", "lose", "withdraw")
    ),
    # Products that change (issue 13, point 6): reached from the catalogue's product page.
    path(
        "offers/products/<int:product_id>/replacements/",
        views_products.product_replacements,
        name="product_replacements",
    ),
    path(
        "offers/products/<int:product_id>/replacements/<int:account_id>/draft/",
        views_products.product_replacement_draft,
        name="product_replacement_draft",
    ),
    path("offers/products/<int:product_id>/launch/", views_products.product_launch, name="product_launch"),
    path(
        "offers/products/<int:product_id>/launch/<int:account_id>/inform/",
        views_products.product_launch_inform,
        name="product_launch_inform",
    ),
    path(
        "offers/products/<int:product_id>/replacements/export.csv",
        views_products.product_replacements_export,
        {"fmt": "csv"},
        name="product_replacements_export_csv",
    ),
    path(
        "offers/products/<int:product_id>/replacements/export.xlsx",
        views_products.product_replacements_export,
        {"fmt": "xlsx"},
        name="product_replacements_export_xlsx",
    ),
    path(
        "offers/products/<int:product_id>/launch/export.csv",
        views_products.product_launch_export,
        {"fmt": "csv"},
        name="product_launch_export_csv",
    ),
    path(
        "offers/products/<int:product_id>/launch/export.xlsx",
        views_products.product_launch_export,
        {"fmt": "xlsx"},
        name="product_launch_export_xlsx",
    ),
    # The lists as the export registry knows them: the product in the query (?product=).
    path("offers/products/replacements/", views_products.product_replacements_of, name="product_replacements_of"),
    path("offers/products/launch/", views_products.product_launch_of, name="product_launch_of"),
]
