"""Offers: what an account executive proposes to an account, line by line, in revisions, graded
against finance's risk policy (billing.RiskPolicy) and approved by those the grade names.

Every rule one row can state is here; offers.services keeps who may, the state of an offer and
the rules between rows; offers.grading says what the policy thinks of an offer, in words.

An offer is numbered when it is drafted, in a gapless series per organisation and year
(O2026-000123), and never deleted (it is withdrawn): no number is lost. Its lines belong to a
revision: revision 1 while it is drafted and approved, a new one each time the client's answer
opens a negotiation; the earlier ones stay, read-only, for the diff.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.fields import (
    CurrencyField,
    ExactDecimalField,
    FieldCheckConstraint,
    TrimmedCharField,
    TrimmedTextField,
    WholeSmallNumberField,
)
from accounts.models import Account, OfOneOrganization
from billing.models import (
    DISCOUNT_RANGE,
    NOT_NEGATIVE,
    ON_THE_LIST,
    QUANTITY_MORE_THAN_ZERO,
    _date,
    _money,
    _quantity_field,
)
from catalog.models import Product
from clients.reference import CURRENCY_CHOICES
from tenancy.models import Membership, TenantOwned

LEAD_TIME_RANGE = _("A lead time is from 0 to 3650 days.")
PROBABILITY_RANGE = _("A probability is a percentage from 0 to 100.")


def _probability(verbose_name, default: int) -> WholeSmallNumberField:
    return WholeSmallNumberField(
        verbose_name,
        default=default,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), PROBABILITY_RANGE),
    )


# --- Settings and numbering -------------------------------------------------------------------


class OfferSettings(TenantOwned):
    """The organisation's offer settings: the probability of winning at each open stage (the
    forecast weighs the pipeline with them), how many days a new offer is valid, and the lead
    time past which a client who values delivery time most is warned about."""

    probability_draft = _probability(_("probability of a draft (%)"), 10)
    probability_submitted = _probability(_("probability of a submitted offer (%)"), 20)
    probability_approved = _probability(_("probability of an approved offer (%)"), 30)
    probability_sent = _probability(_("probability of a sent offer (%)"), 40)
    probability_negotiation = _probability(_("probability of an offer in negotiation (%)"), 60)
    valid_days = WholeSmallNumberField(
        _("days a new offer is valid"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), _("From 1 to 365 days.")),
    )
    lead_time_warning_days = WholeSmallNumberField(
        _("lead time that warns a client who values delivery time (days)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), LEAD_TIME_RANGE),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                name="offersettings_one_per_org",
                violation_error_message=_("This organisation has its offer settings already."),
            ),
        ]
        verbose_name = _("offer settings")
        verbose_name_plural = _("offer settings")

    def __str__(self) -> str:
        return str(_("Offer settings"))


class OfferSeries(TenantOwned):
    """The last offer number given in a year: gapless, incremented inside the drafting
    transaction (one INSERT … ON CONFLICT … RETURNING that holds the row until commit)."""

    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1900), MaxValueValidator(2100)])
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="offerseries_org_year_unique",
                violation_error_message=_("This series exists already."),
            )
        ]
        verbose_name = _("offer series")
        verbose_name_plural = _("offer series")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"

    @staticmethod
    def format(year: int, number: int) -> str:
        return f"O{year}-{number:06d}"


# --- Offers ---------------------------------------------------------------------------------


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT = "sent", _("Sent")
    NEGOTIATION = "negotiation", _("In negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The lines can change in these states (a change after approval is graded again).
EDITABLE = (OfferStatus.DRAFT, OfferStatus.REJECTED, OfferStatus.APPROVED, OfferStatus.NEGOTIATION)
# Still open: in the pipeline, and expirable.
OPEN = (
    OfferStatus.DRAFT,
    OfferStatus.SUBMITTED,
    OfferStatus.APPROVED,
    OfferStatus.REJECTED,
    OfferStatus.SENT,
    OfferStatus.NEGOTIATION,
)
CLOSED = (OfferStatus.WON, OfferStatus.LOST, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN)


class Grade(models.TextChoices):
    A = "A", _("A: within the policy")
    B = "B", _("B: commercial terms outside the policy")
    C = "C", _("C: financial risk outside the policy")
    D = "D", _("D: commercial terms and financial risk outside the policy")


class Offer(OfOneOrganization, TenantOwned):
    """A commercial offer to an account, in the account's currency. Its lines are those of its
    current revision; its grade is the last one the policy gave it (offers.grading), with the
    reasons in words, and the approvals it needs follow from the grade."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("account"),
        error_messages={"invalid": _("Choose an account of this organisation."), "null": _("This field is required.")},
    )
    number = models.CharField(_("number"), max_length=20, editable=False)
    title = TrimmedCharField(_("title"), max_length=200)
    currency = CurrencyField(
        _("currency"),
        choices=CURRENCY_CHOICES,
        error_messages=dict.fromkeys(
            ("invalid_choice", "blank"), _("Unknown currency: use an ISO 4217 code such as EUR or USD.")
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OfferStatus.choices, default=OfferStatus.DRAFT, error_messages=ON_THE_LIST
    )
    valid_until = _date(_("valid until"))
    expected_close = _date(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("account executive"),
        error_messages={"invalid": _("Choose a person of this organisation.")},
    )
    technical_contact = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("technical colleague"),
        error_messages={"invalid": _("Choose a person of this organisation.")},
    )
    value_proposition = TrimmedTextField(_("value proposition"), max_length=4000, blank=True)
    competitors = TrimmedCharField(_("competitors"), max_length=500, blank=True)
    notes = TrimmedTextField(_("notes"), max_length=4000, blank=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    # The grade the risk policy's version `policy_version` (billing) gave the current revision,
    # and why, in words and numbers (offers.grading).
    policy_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, editable=False)
    grade_reasons = models.JSONField(default=list, blank=True, editable=False)
    # Each submission is a round of approvals: a decision counts for the round it was made in.
    approval_round = models.PositiveSmallIntegerField(default=0, editable=False)
    lost_reason = TrimmedCharField(_("reason lost"), max_length=500, blank=True)
    lost_to = TrimmedCharField(_("lost to"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                name="offer_org_number_unique",
                violation_error_message=_("Another offer has this number."),
            ),
            FieldCheckConstraint(
                condition=Q(expected_close__isnull=True) | Q(expected_close__lte=F("valid_until")),
                name="offer_closes_while_valid",
                field="expected_close",
                violation_error_message=_("The expected close is on or before the valid-until date."),
            ),
            FieldCheckConstraint(
                condition=~Q(status=OfferStatus.LOST) | ~Q(lost_reason=""),
                name="offer_lost_has_a_reason",
                field="lost_reason",
                violation_error_message=_("Say why the offer was lost."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "account"], name="offer_org_status_account_idx"),
            models.Index(fields=["organization", "owner", "status"], name="offer_org_owner_status_idx"),
            # The pipeline's order (newest first): a page of 25 walks it instead of sorting them all.
            models.Index(fields=["organization", "-created_at", "-id"], name="offer_org_created_idx"),
            # One stage in that order (the approvals queue: the submitted ones, oldest first): without
            # it the queue walked the index above from the oldest offer through every closed one.
            models.Index(fields=["organization", "status", "created_at", "id"], name="offer_org_status_created_idx"),
        ]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def needs_commercial_approval(self) -> bool:
        return self.grade in (Grade.B, Grade.D)

    @property
    def needs_financial_approval(self) -> bool:
        return self.grade in (Grade.C, Grade.D)

    def clean(self) -> None:
        account = self.account if self.account_id and self.fields_unrefused("account") else None
        if account is not None and account.organization_id == self.organization_id and self.currency:
            if self.currency != account.currency:
                raise ValidationError(
                    {
                        "currency": ValidationError(
                            _("The account buys in %(currency)s: use its currency."),
                            params={"currency": account.currency},
                            code="currency",
                        )
                    }
                )

    def fields_unrefused(self, *names: str) -> bool:
        return not set(names) & getattr(self, "_refused_fields", set())

    def clean_fields(self, exclude=None):
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            self._refused_fields = set(error.error_dict)
            raise
        self._refused_fields = set()


class OfferRevision(OfOneOrganization, TenantOwned):
    """One version of an offer's lines and totals. Only the offer's current revision changes;
    an earlier one is kept as it was when the negotiation opened the next."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("revision"))
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Computed from the lines (offers.services): list value, net (after discounts), cost, tax.
    list_total = _money(_("list value"), default=Decimal("0.00"), editable=False)
    net_total = _money(_("net"), default=Decimal("0.00"), editable=False)
    cost_total = _money(_("cost"), default=Decimal("0.00"), editable=False)
    tax_total = _money(_("tax"), default=Decimal("0.00"), editable=False)
    total = _money(_("total"), default=Decimal("0.00"), editable=False)

    class Meta:
        ordering = ["offer", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "offer", "number"],
                name="offerrevision_org_offer_number_unique",
                violation_error_message=_("The offer has this revision already."),
            ),
        ]
        verbose_name = _("offer revision")
        verbose_name_plural = _("offer revisions")

    def __str__(self) -> str:
        return f"{self.offer_id} r{self.number}"

    @property
    def margin(self) -> Decimal:
        return self.net_total - self.cost_total


class OfferLine(OfOneOrganization, TenantOwned):
    """A line of a revision: a catalogue product (its list price and cost filled in) or free
    text, a quantity at a unit price less a discount, and a lead time."""

    revision = models.ForeignKey(OfferRevision, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    # The same line through the offer's revisions (a revision copies it, key and all; a new line
    # takes the offer's next key), so that two revisions are compared line by line.
    line_key = models.PositiveIntegerField(editable=False)
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offer_lines",
        verbose_name=_("product"),
        error_messages={"invalid": _("Choose a product of this organisation.")},
    )
    description = TrimmedCharField(_("description"), max_length=500)
    quantity = _quantity_field(_("quantity"))
    list_price = _money(_("list price"), default=Decimal("0.00"))
    unit_cost = _money(_("unit cost"), default=Decimal("0.00"))
    unit_price = _money(_("unit price"))
    discount_percent = ExactDecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        error_messages=dict.fromkeys(
            ("invalid", "null", "max_digits", "max_whole_digits", "min_value", "max_value"), DISCOUNT_RANGE
        )
        | {"max_decimal_places": _("At most two decimals.")},
    )
    tax_percent = ExactDecimalField(
        _("tax (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), _("A tax is a percentage.")),
    )
    lead_time_days = WholeSmallNumberField(
        _("lead time (days)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), LEAD_TIME_RANGE),
    )
    # Computed by offers.services from the three above (billing.totals.line_net: half-up to the cent).
    net = _money(_("net"), default=Decimal("0.00"), editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "revision", "position"],
                name="offerline_org_revision_position_unique",
                violation_error_message=_("The offer has a line at this position already."),
            ),
            FieldCheckConstraint(
                condition=Q(quantity__gt=0),
                name="offerline_quantity_positive",
                field="quantity",
                violation_error_message=QUANTITY_MORE_THAN_ZERO,
            ),
            FieldCheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="offerline_discount_is_a_percentage",
                field="discount_percent",
                violation_error_message=DISCOUNT_RANGE,
            ),
            FieldCheckConstraint(
                condition=Q(lead_time_days__gte=0, lead_time_days__lte=3650),
                name="offerline_lead_time_in_range",
                field="lead_time_days",
                violation_error_message=LEAD_TIME_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, list_price__gte=0, unit_cost__gte=0, net__gte=0),
                name="offerline_amounts_not_negative",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")

    def __str__(self) -> str:
        return self.description


# --- Approvals --------------------------------------------------------------------------------


class ApprovalKind(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial terms (the account's sales lead)")
    FINANCIAL = "financial", _("Financial risk (finance)")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class OfferApproval(OfOneOrganization, TenantOwned):
    """A decision on a submitted offer: one per kind and round of approval (the constraint
    decides when two approvers answer at once), with who decided, the comment, and the grade
    and reasons they saw."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveSmallIntegerField()
    revision = models.PositiveSmallIntegerField()
    kind = models.CharField(_("approval"), max_length=10, choices=ApprovalKind.choices, error_messages=ON_THE_LIST)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, error_messages=ON_THE_LIST)
    comment = TrimmedTextField(_("comment"), max_length=2000, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    reasons = models.JSONField(default=list)
    decided_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "offer", "round", "kind"],
                name="offerapproval_one_decision_per_round_and_kind",
                violation_error_message=_("Someone has decided on this already."),
            ),
            FieldCheckConstraint(
                condition=~Q(decision=Decision.REJECTED) | ~Q(comment=""),
                name="offerapproval_rejection_says_why",
                field="comment",
                violation_error_message=_("Say why you reject it."),
            ),
        ]
        verbose_name = _("offer approval")
        verbose_name_plural = _("offer approvals")

    def __str__(self) -> str:
        return f"{self.offer_id} {self.kind} {self.decision}"


class OfferSending(OfOneOrganization, TenantOwned):
    """An offer mailed to the client: the revision sent, to whom, in their language, the PDF
    attached. The row is written when the offer is sent and `sent_at` once the mail is out, in
    one transaction: a task delivered twice sends the mail once."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sendings")
    revision = models.PositiveSmallIntegerField()
    recipient_name = TrimmedCharField(_("recipient"), max_length=150, blank=True)
    recipient_email = models.EmailField(
        _("email"), max_length=254, error_messages={"invalid": _("Enter a valid email address.")}
    )
    language = models.CharField(_("language"), max_length=8)
    message = TrimmedTextField(_("message"), max_length=4000, blank=True)
    requested_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("offer sending")
        verbose_name_plural = _("offer sendings")

    def __str__(self) -> str:
        return f"{self.offer_id} r{self.revision} → {self.recipient_email}"


# --- Orders and deliveries --------------------------------------------------------------------


class InvoiceBy(models.TextChoices):
    ORDERED = "ordered", _("Ordered quantity")
    DELIVERED = "delivered", _("Delivered quantity")


def _quantity(verbose_name, **kwargs) -> ExactDecimalField:
    return ExactDecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"), message=QUANTITY_MORE_THAN_ZERO)],
        error_messages={
            "invalid": _("Enter a quantity, like 2 or 1.5."),
            "null": _("Enter a quantity, like 2 or 1.5."),
            "max_digits": _("That quantity is too large."),
            "max_whole_digits": _("That quantity is too large."),
            "max_decimal_places": _("At most three decimals."),
        },
        **kwargs,
    )


def _quantity_positive(model: str, field: str = "quantity") -> FieldCheckConstraint:
    return FieldCheckConstraint(
        condition=Q(**{f"{field}__gt": 0}),
        name=f"{model}_{field}_positive",
        field=field,
        violation_error_message=QUANTITY_MORE_THAN_ZERO,
    )


class Order(OfOneOrganization, TenantOwned):
    """What a won offer became: the lines of its accepted revision, to deliver and invoice. One
    per offer; its reference is the offer's number. Invoiced by the ordered or the delivered
    quantity (a setting of each order)."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("offer"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders", verbose_name=_("account"))
    currency = CurrencyField(_("currency"), choices=CURRENCY_CHOICES)
    reference = models.CharField(_("reference"), max_length=20)
    invoice_by = models.CharField(
        _("invoice by"),
        max_length=9,
        choices=InvoiceBy.choices,
        default=InvoiceBy.DELIVERED,
        error_messages=ON_THE_LIST,
    )
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "offer"],
                name="order_org_offer_unique",
                violation_error_message=_("This offer has its order already."),
            ),
        ]
        indexes = [models.Index(fields=["organization", "account"], name="order_org_account_idx")]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.reference


class OrderLine(OfOneOrganization, TenantOwned):
    """A line of an order, copied from the accepted revision's line: what was sold, at what
    price and tax rate (the product's, or the organisation's general rate for free text)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines", verbose_name=_("product")
    )
    description = TrimmedCharField(_("description"), max_length=500)
    quantity = _quantity(_("quantity"))
    unit_price = _money(_("unit price"))
    discount_percent = ExactDecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), DISCOUNT_RANGE),
    )
    net = _money(_("net"))
    tax_rate = models.ForeignKey(
        "catalog.TaxRate", on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("tax rate")
    )
    lead_time_days = WholeSmallNumberField(_("lead time (days)"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "order", "position"],
                name="orderline_org_order_position_unique",
                violation_error_message=_("The order has a line at this position already."),
            ),
            _quantity_positive("orderline"),
            FieldCheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="orderline_discount_is_a_percentage",
                field="discount_percent",
                violation_error_message=DISCOUNT_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, net__gte=0),
                name="orderline_amounts_not_negative",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return self.description


class PlannedDelivery(OfOneOrganization, TenantOwned):
    """A delivery planned for a line: a date and a quantity (the line's planned deliveries
    add up to no more than its quantity: offers.services_orders)."""

    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="planned_deliveries")
    planned_on = _date(_("planned on"))
    quantity = _quantity(_("quantity"))

    class Meta:
        ordering = ["planned_on", "id"]
        constraints = [_quantity_positive("planneddelivery")]
        verbose_name = _("planned delivery")
        verbose_name_plural = _("planned deliveries")

    def __str__(self) -> str:
        return f"{self.order_line_id}: {self.quantity} @ {self.planned_on}"


class Delivery(OfOneOrganization, TenantOwned):
    """A delivery made: its date and quantity, and what the client confirmed as received
    (partial receipts allowed, never more than delivered)."""

    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = _date(_("delivered on"))
    quantity = _quantity(_("quantity delivered"))
    received_quantity = ExactDecimalField(
        _("quantity received"),
        max_digits=12,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"), message=NOT_NEGATIVE)],
    )
    received_on = _date(_("received on"), null=True, blank=True)
    recorded_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivered_on", "id"]
        constraints = [
            _quantity_positive("delivery"),
            FieldCheckConstraint(
                condition=Q(received_quantity__gte=0, received_quantity__lte=F("quantity")),
                name="delivery_received_at_most_delivered",
                field="received_quantity",
                violation_error_message=_("The client cannot receive more than was delivered."),
            ),
            FieldCheckConstraint(
                condition=Q(received_quantity=0) | Q(received_on__isnull=False),
                name="delivery_received_has_a_date",
                field="received_on",
                violation_error_message=_("Say when the client received it."),
            ),
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.order_line_id}: {self.quantity} @ {self.delivered_on}"


class OrderInvoiceLine(OfOneOrganization, TenantOwned):
    """Which billing invoice line invoiced which order line (billing knows nothing of orders)."""

    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="invoice_links")
    invoice_line = models.ForeignKey("billing.InvoiceLine", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invoice_line"],
                name="orderinvoiceline_org_invoice_line_unique",
                violation_error_message=_("This invoice line invoices an order line already."),
            ),
        ]
        verbose_name = _("order invoice line")
        verbose_name_plural = _("order invoice lines")

    def __str__(self) -> str:
        return f"{self.order_line_id} → {self.invoice_line_id}"


# Products that change: which accounts were told of a launch (its own module, same app).
from offers.models_products import ProductLaunchNotice  # noqa: E402, F401
