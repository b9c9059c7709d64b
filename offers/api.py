"""The offers API: the pipeline (the list pattern), an offer with its current lines, grade and
reasons, approvals and revisions; drafting an offer and adding lines; and the lifecycle as
operations (submit, decide, send, revise, win, lose, withdraw). The same visibility as the pages
(offers.permissions): an offer of an account this membership does not see is a 404; one it sees
but may not act on, a 403; an operation its state does not allow, a 409."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AccountRefOutput, PersonRefOutput
from accounts.models import Account
from billing.api import ItemRow, _number
from catalog.api import ProductRefOutput
from catalog.models import Product
from config.api import (
    ERROR_COMPONENT,
    LIST_ORDER,
    StrictSerializer,
    TenantRow,
    filter_parameters,
    filtered,
    list_params,
    money,
    named_enum,
    paginated,
    read_input,
)
from config.api_pagination import CursorPagination
from offers import selectors, services
from offers.filters import OfferFilter
from offers.grading import reason_text
from offers.models import ApprovalKind, Decision, Grade, Offer, OfferLine, OfferStatus
from tenancy.models import Membership
from tenancy.permissions import IsTenantMember

OfferStatusField = named_enum("OfferStatusEnum", OfferStatus.choices)
OfferGradeField = named_enum("OfferGradeEnum", Grade.choices)
ApprovalKindField = named_enum("ApprovalKindEnum", ApprovalKind.choices)
DecisionField = named_enum("OfferDecisionEnum", Decision.choices)
STATE = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
    description="The offer's stage does not allow it (an approval it does not wait for, a closed offer, an "
    "offer graded differently since it was seen…).",
)


# --- Output -----------------------------------------------------------------------------------


class OfferReasonOutput(serializers.Serializer):
    kind = ApprovalKindField()
    rule = serializers.CharField(
        help_text="exposure, no_credit_limit, overdue, payment_terms, line_discount, discount or margin."
    )
    text = serializers.SerializerMethodField(help_text="The reason in words and numbers, in the reader's language.")

    def get_text(self, reason: dict) -> str:
        return reason_text(reason)


class OfferSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="O2026-000123: gapless per organisation and year.")
    title = serializers.CharField()
    status = OfferStatusField()
    grade = OfferGradeField(help_text="Every offer is graded when it is drafted and on every change.")
    account = AccountRefOutput()
    owner = PersonRefOutput()
    currency = serializers.CharField()
    valid_until = serializers.DateField()
    expected_close = serializers.DateField(allow_null=True)
    revision = serializers.IntegerField(help_text="The current revision's number.")
    net_total = money(help_text="The current revision's net (after discounts, before tax).")
    total = money(help_text="With tax.")
    created_at = serializers.DateTimeField()


class OfferLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    product = ProductRefOutput(allow_null=True)
    description = serializers.CharField()
    quantity = _number(OfferLine, "quantity")
    list_price = money()
    unit_cost = money()
    unit_price = money()
    discount_percent = _number(OfferLine, "discount_percent")
    lead_time_days = serializers.IntegerField()
    net = money()


class OfferApprovalOutput(serializers.Serializer):
    kind = ApprovalKindField()
    decision = DecisionField()
    comment = serializers.CharField()
    grade = OfferGradeField(help_text="The grade the approver saw.")
    round = serializers.IntegerField()
    revision = serializers.IntegerField()
    decided_by = PersonRefOutput()
    decided_at = serializers.DateTimeField()


class OfferRevisionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    list_total = money()
    net_total = money()
    cost_total = money()
    tax_total = money()
    total = money()


class OfferOutput(OfferSummaryOutput):
    policy_version = serializers.IntegerField(allow_null=True, help_text="The risk policy version that graded it.")
    reasons = OfferReasonOutput(source="grade_reasons", many=True)
    value_proposition = serializers.CharField()
    competitors = serializers.CharField()
    notes = serializers.CharField()
    lost_reason = serializers.CharField()
    lost_to = serializers.CharField()
    lines = OfferLineOutput(source="current_lines", many=True)
    revisions = OfferRevisionOutput(source="all_revisions", many=True)
    approvals = OfferApprovalOutput(source="approvals.all", many=True)


# --- Input ------------------------------------------------------------------------------------


class OfferLineInput(StrictSerializer):
    product = ItemRow(
        Product,
        message=OfferLine._meta.get_field("product").error_messages["invalid"],
        required=False,
        allow_null=True,
        help_text="A product of the catalogue: its list price and cost come with it.",
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    quantity = _number(OfferLine, "quantity", help_text="More than zero, up to three decimals.")
    unit_price = _number(OfferLine, "unit_price", required=False, help_text="Omitted: the list price.")
    discount_percent = _number(OfferLine, "discount_percent", required=False)
    lead_time_days = serializers.IntegerField(required=False)


class OfferCreateInput(StrictSerializer):
    account = TenantRow(Account, message=Offer._meta.get_field("account").error_messages["invalid"])
    title = serializers.CharField(max_length=200)
    currency = serializers.CharField(
        max_length=3, required=False, help_text="Omitted: the account's. Another than the account's is refused."
    )
    technical_contact = TenantRow(
        Membership,
        required=False,
        allow_null=True,
        message=Offer._meta.get_field("technical_contact").error_messages["invalid"],
        help_text="A colleague who works on the account (a membership id).",
    )
    valid_until = serializers.DateField(required=False, help_text="Omitted: the organisation's days of validity.")
    expected_close = serializers.DateField(required=False, allow_null=True)
    value_proposition = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    competitors = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    lines = OfferLineInput(many=True, required=False)


class DecideInput(StrictSerializer):
    kind = ApprovalKindField()
    decision = DecisionField()
    grade_seen = OfferGradeField(help_text="The grade the approver looked at: a different one now is refused (409).")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="Required to reject.")


# The languages an offer's PDF is written in (named in the schema as DocumentLanguageEnum).
DOCUMENT_LANGUAGES = [code for code, _name in settings.LANGUAGES]


class SendInput(StrictSerializer):
    mail_to = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="Mail the offer's PDF to this address; left out, the offer is only marked as sent.",
    )
    language = serializers.ChoiceField(
        choices=DOCUMENT_LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="The PDF's language; by default the client contact's.",
    )
    message = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class LoseInput(StrictSerializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)
    lost_to = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- Views ------------------------------------------------------------------------------------


def _offer(request, offer_id: int) -> Offer:
    return selectors.offer_get(organization=request.organization, membership=request.membership, offer_id=offer_id)


def _answer(request, offer_id: int, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(OfferOutput(_offer(request, offer_id)).data, status=status_code)


class OfferListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="offers_list",
        description=LIST_ORDER + " The offers of the accounts this membership sees, without their lines.",
        parameters=filter_parameters(OfferFilter),
        responses=OfferSummaryOutput(many=True),
    )
    def get(self, request, org_slug):
        offers = selectors.offer_list(organization=request.organization, membership=request.membership)
        filterset = OfferFilter(list_params(request), queryset=offers, request=request)
        return paginated(self, request, filtered(filterset), OfferSummaryOutput)

    @extend_schema(
        operation_id="offers_create",
        description="An account executive (or the account's sales lead) drafts an offer on an account, in its "
        "currency, numbered now, with its lines; it is graded against the risk policy in force.",
        request=OfferCreateInput,
        responses={201: OfferOutput},
    )
    def post(self, request, org_slug):
        data = read_input(OfferCreateInput, request)
        data["lines"] = [dict(line) for line in data.get("lines", [])]
        offer = services.offer_create(organization=request.organization, actor=request.membership, **data)
        return _answer(request, offer.pk, status.HTTP_201_CREATED)


class OfferDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="offers_retrieve",
        description="An offer with its current lines, its grade and every reason, its approvals and its revisions.",
        responses=OfferOutput,
    )
    def get(self, request, org_slug, offer_id):
        return _answer(request, offer_id)


class OfferLineListApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="offers_lines_add",
        description="Add a line to the offer's current revision; the offer is graded again (an approved offer whose "
        "grade changes goes back for approval).",
        request=OfferLineInput,
        responses={201: OfferOutput, 409: STATE},
    )
    def post(self, request, org_slug, offer_id):
        offer = _offer(request, offer_id)
        data = read_input(OfferLineInput, request)
        services.offer_line_add(organization=request.organization, actor=request.membership, offer=offer, **data)
        return _answer(request, offer.pk, status.HTTP_201_CREATED)


def _operation(name: str, service, description: str):
    class OperationApi(APIView):
        permission_classes = [IsTenantMember]

        @extend_schema(
            operation_id=f"offers_{name}",
            description=description,
            request=None,
            responses={200: OfferOutput, 409: STATE},
        )
        def post(self, request, org_slug, offer_id):
            offer = _offer(request, offer_id)
            service(organization=request.organization, actor=request.membership, offer=offer)
            return _answer(request, offer.pk)

    OperationApi.__name__ = OperationApi.__qualname__ = f"Offer{name.title()}Api"
    return OperationApi


OfferSubmitApi = _operation(
    "submit", services.offer_submit, "Submit for approval; an offer within every rule (grade A) is approved at once."
)
OfferReviseApi = _operation(
    "revise", services.offer_revise, "The client answered: a new revision to negotiate, the previous one kept."
)
OfferWinApi = _operation("win", services.offer_win, "The client accepted a sent offer.")
OfferWithdrawApi = _operation("withdraw", services.offer_withdraw, "Withdraw an open offer.")


class OfferDecideApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="offers_decide",
        description="The account's sales lead (commercial terms) or finance (financial risk) approves or rejects a "
        "submitted offer, having seen its grade; nobody decides on their own offer.",
        request=DecideInput,
        responses={200: OfferOutput, 409: STATE},
    )
    def post(self, request, org_slug, offer_id):
        offer = _offer(request, offer_id)
        data = read_input(DecideInput, request)
        services.offer_decide(organization=request.organization, actor=request.membership, offer=offer, **data)
        return _answer(request, offer.pk)


class OfferSendApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="offers_send",
        description="Send an approved offer to the client: mailed (the PDF of its current revision, in the client "
        "contact's language unless another is given) or, with no address, marked as sent.",
        request=SendInput,
        responses={200: OfferOutput, 409: STATE},
    )
    def post(self, request, org_slug, offer_id):
        offer = _offer(request, offer_id)
        data = read_input(SendInput, request)
        services.offer_send(organization=request.organization, actor=request.membership, offer=offer, **data)
        return _answer(request, offer.pk)


class OfferLoseApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="offers_lose",
        description="The client chose otherwise: why, and to whom.",
        request=LoseInput,
        responses={200: OfferOutput, 409: STATE},
    )
    def post(self, request, org_slug, offer_id):
        offer = _offer(request, offer_id)
        data = read_input(LoseInput, request)
        services.offer_lose(organization=request.organization, actor=request.membership, offer=offer, **data)
        return _answer(request, offer.pk)
