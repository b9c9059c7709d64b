"""Writes of products that change (issue 13, point 6):

- a draft offer that replaces an obsolete product with its successor on one account, in one
  click (drafted through offers.services.offer_create: its permission, numbering and grading);
- an account told of a product's launch: an activity logged on the account (through
  accounts.services.activity_log) and a ProductLaunchNotice, refused the second time.

Each atomic and audited; a refusal writes nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, ActivityKind
from accounts.services import activity_log
from catalog.models import Product
from catalog.selectors import day_text, product_successor
from config.errors import ApplicationError, not_found
from offers import selectors_products
from offers.models import Offer
from offers.models_products import ProductLaunchNotice
from offers.services import offer_create
from tenancy.models import Membership, Organization
from tenancy.services import audit_created, audit_record, save_deciding_by_constraint

# How an account may be told of a launch: what was done, not a note to oneself.
INFORM_KINDS = (ActivityKind.EMAIL, ActivityKind.CALL, ActivityKind.VISIT, ActivityKind.MEETING)


def _state(message: str) -> ApplicationError:
    return ApplicationError(message, code="product_state", status=409)


def _named(product: Product) -> str:
    return f"{product.sku} {product.name}"


@transaction.atomic
def product_replacement_offer_draft(
    *, organization: Organization, actor: Membership, product: Product, account: Account
) -> Offer:
    """A draft offer on `account` with one line: the obsolete `product`'s successor (the first
    active product along its replacements), as many as the account's newest open offer has of
    the old one, else what its open orders still wait for, else its last purchase. Only for an
    account the person sees that has open offers, open orders or recent purchases of `product`
    (404 otherwise, as for an account that does not exist)."""
    if product.organization_id != organization.pk:
        raise not_found()
    if not product.is_obsolete:
        raise _state(_("%(product)s is not obsolete: nothing to replace.") % {"product": _named(product)})
    successor = product_successor(organization=organization, product=product)
    if successor is None:
        raise _state(
            _("No active product replaces %(product)s: there is nothing to offer instead.")
            % {"product": _named(product)}
        )
    row = selectors_products.replacement_account(
        organization=organization, membership=actor, product=product, account=account
    )
    if row is None:
        raise not_found()
    quantity = selectors_products.replacement_quantity(row)
    offer = offer_create(
        organization=organization,
        actor=actor,
        account=row,
        # Two names of up to 200 characters each: the title keeps what fits.
        title=(_("%(successor)s to replace %(product)s") % {"successor": successor.name, "product": product.name})[
            : Offer._meta.get_field("title").max_length
        ],
        notes=_("%(product)s is obsolete since %(date)s; %(successor)s replaces it.")
        % {"product": _named(product), "date": day_text(product.obsolete_on), "successor": _named(successor)},
        lines=[{"product": successor, "quantity": quantity}],
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="offer.replace_product",
        obj=offer,
        changes={"product": [product.pk, successor.pk], "quantity": [None, str(quantity)]},
    )
    return offer


@transaction.atomic
def product_launch_inform(
    *,
    organization: Organization,
    actor: Membership,
    product: Product,
    account: Account,
    kind: str = ActivityKind.EMAIL,
) -> ProductLaunchNotice:
    """Tell `account` of `product`'s launch: an activity of `kind` on the account ("Informed
    about the launch of SKU-2 Sensor kit v2") and the notice that it was told. Refused for an
    obsolete product, for an account told already (the constraint decides between two clicks at
    once), and, as not found, for an account the person does not see."""
    if product.organization_id != organization.pk or account.organization_id != organization.pk:
        raise not_found()
    if product.is_obsolete:
        raise _state(
            _("%(product)s is obsolete: tell the account of its replacement instead.") % {"product": _named(product)}
        )
    if kind not in INFORM_KINDS:
        raise ApplicationError(_("Choose a value from the list."), {"kind": _("Choose a value from the list.")})
    told = selectors_products.launch_notice_of(organization=organization, product=product, account=account)
    if told is not None:
        raise _state(
            _("%(account)s was informed of %(product)s on %(date)s by %(person)s.")
            % {
                "account": account.name,
                "product": _named(product),
                "date": day_text(timezone.localdate(told.informed_at)),
                "person": told.informed_by.user.full_name,
            }
        )
    activity = activity_log(
        organization=organization,
        actor=actor,
        account=account,
        kind=kind,
        summary=_("Informed about the launch of %(product)s.") % {"product": _named(product)},
    )
    notice = ProductLaunchNotice(
        organization=organization, product=product, account=account, activity=activity, informed_by=actor
    )
    notice.full_clean(validate_constraints=False)
    save_deciding_by_constraint(notice)
    audit_created(
        organization=organization,
        actor=actor.user,
        obj=notice,
        fields=["product", "account", "activity"],
        action="product.launch_inform",
    )
    return notice
