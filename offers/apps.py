from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")
    # seed_demo calls it for each demo organisation, after billing's (INSTALLED_APPS order).
    demo_seed = "offers.demo.seed_offers"
    # accounts.selectors.with_account_page_summaries calls it for the account page: its open offers.
    account_page_summary = "offers.selectors.account_offers_summary"
    # catalog.selectors.product_page_cards calls it for a product's page: the accounts to move
    # off an obsolete product, or to tell of a new one.
    product_page_card = "offers.selectors_products.product_page_card"

    def ready(self) -> None:
        from offers.exports import offer_rows
        from offers.exports_orders import order_check_rows
        from offers.exports_products import launch_rows, replacement_rows
        from tenancy.exports import register_export
        from tenancy.selectors import register_audit_actions

        register_export("offers", offer_rows, _("Offers"), "offers")
        register_export("order_check", order_check_rows, _("Billing check"), "order_check")
        register_export(
            "product_replacements",
            replacement_rows,
            _("Accounts to move to the replacement"),
            "product_replacements_of",
        )
        register_export("product_launch", launch_rows, _("Accounts to inform"), "product_launch_of")
        register_audit_actions(
            {
                "offer.create": _("drafted the offer"),
                "offer.update": _("changed the offer"),
                "offer.line_add": _("added a line to the offer"),
                "offer.line_update": _("changed a line of the offer"),
                "offer.line_remove": _("removed a line from the offer"),
                "offer.submit": _("submitted the offer for approval"),
                "offer.approve": _("approved the offer"),
                "offer.reject": _("rejected the offer"),
                "offer.regrade": _("sent the offer back for approval: its grade changed"),
                "offer.send": _("sent the offer"),
                "offer.revise": _("opened a new revision of the offer"),
                "offer.win": _("marked the offer won"),
                "offer.lose": _("marked the offer lost"),
                "offer.withdraw": _("withdrew the offer"),
                "offer.expire": _("the offer expired"),
                "order.create": _("created the order of the won offer"),
                "order.invoice_by": _("changed how the order is invoiced"),
                "order.plan_delivery": _("planned a delivery of the order"),
                "order.invoice": _("invoiced the order"),
                "delivery.record": _("recorded a delivery"),
                "delivery.receipt": _("confirmed the client received a delivery"),
                "offer.replace_product": _("drafted the offer to replace an obsolete product"),
                "product.launch_inform": _("informed the account of a product's launch"),
            }
        )
