"""Offers' template filters: what the navigation and the pipeline offer, asked of the
permissions that the views enforce."""

from django import template

from billing import permissions as billing_permissions

register = template.Library()


@register.filter
def may_check_orders(membership) -> bool:
    """Finance's billing check of orders (offers.views_orders.order_check_list): whoever sees
    every account's billing."""
    return membership is not None and billing_permissions.can_see_all_billing(membership)
