"""What offers keep of products that change (issue 13, point 6): which accounts were told of a
product's launch. One row per organisation, product and account: the constraint refuses the
second notice, however two clicks race."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Activity, OfOneOrganization
from catalog.models import Product
from tenancy.models import Membership, TenantOwned

LAUNCH_NOTICE_UNIQUE = "productlaunchnotice_org_product_account_unique"


class ProductLaunchNotice(OfOneOrganization, TenantOwned):
    """An account was informed of a product's launch: by whom, when, and the activity logged on
    the account for it (kept when that activity is deleted: the account was still told)."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="launch_notices", verbose_name=_("product")
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="launch_notices", verbose_name=_("account")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("activity")
    )
    informed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    informed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-informed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "product", "account"],
                name=LAUNCH_NOTICE_UNIQUE,
                violation_error_message=_("This account was informed of this product's launch already."),
            ),
        ]
        indexes = [models.Index(fields=["organization", "account"], name="launchnotice_org_account_idx")]
        verbose_name = _("launch notice")
        verbose_name_plural = _("launch notices")

    def __str__(self) -> str:
        return f"{self.product_id} → {self.account_id}"
