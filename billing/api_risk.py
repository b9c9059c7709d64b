"""API of finance's risk policy: the version in force, every version, and saving a new one.

Everyone in the organisation reads it (billing.permissions.can_see_risk_policy); finance alone
saves a new version (billing.services_risk: 403 for the others, 400 for bad input, in the one
error shape)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import PersonRefOutput
from billing.filters_risk import RiskPolicyFilter
from billing.selectors_risk import risk_policy_current, risk_policy_versions
from billing.services_risk import risk_policy_update
from config.api import (
    LIST_ORDER,
    StrictSerializer,
    filter_parameters,
    filtered,
    list_params,
    money,
    paginated,
    read_input,
)
from config.api_pagination import CursorPagination
from tenancy.permissions import IsTenantMember


def _percent(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, **kwargs)


def _days(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(**kwargs)


class RiskPolicyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="1, 2, …: a change is a new version; a version never changes.")
    max_exposure_percent = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=True,
        help_text="The most an account may owe (open receivables + open orders + the offer), as a percentage of "
        "its credit limit.",
    )
    overdue_tolerance_amount = money(
        help_text="How much may be more than `overdue_tolerance_days` past due, in `overdue_tolerance_currency`."
    )
    overdue_tolerance_currency = serializers.CharField(
        source="organization.base_currency", help_text="The organisation's base currency."
    )
    overdue_tolerance_days = _days()
    min_margin_percent = _percent(help_text="An offer's minimum margin.")
    max_line_discount_percent = _percent(help_text="The largest discount on a line.")
    max_discount_percent = _percent(help_text="The largest discount on the whole offer.")
    max_payment_terms_days = _days()
    note = serializers.CharField(help_text="Why it changed.")
    created_by = PersonRefOutput(allow_null=True, help_text="Null for version 1, which every organisation starts with.")
    created_at = serializers.DateTimeField()


def _versions(request):
    return risk_policy_versions(organization=request.organization).select_related("organization")


class RiskPolicyApi(APIView):
    permission_classes = [IsTenantMember]

    class RiskPolicySaveInput(StrictSerializer):
        """The rules to change; those left out stay as in the version in force."""

        max_exposure_percent = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
        overdue_tolerance_amount = money(required=False)
        overdue_tolerance_days = _days(required=False)
        min_margin_percent = _percent(required=False)
        max_line_discount_percent = _percent(required=False)
        max_discount_percent = _percent(required=False)
        max_payment_terms_days = _days(required=False)
        note = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    @extend_schema(
        operation_id="risk_policy_retrieve",
        description="The version of finance's risk policy in force: what offers are graded against.",
        responses=RiskPolicyOutput,
    )
    def get(self, request, org_slug):
        policy = risk_policy_current(organization=request.organization)
        return Response(RiskPolicyOutput(policy).data)

    @extend_schema(
        operation_id="risk_policy_create",
        description="Finance saves a new version of the risk policy: the rules sent, the others as in the version "
        "in force. A version that changes no rule is refused (400); two saved at once get two versions, or one "
        "is refused.",
        request=RiskPolicySaveInput,
        responses={201: RiskPolicyOutput},
    )
    def post(self, request, org_slug):
        data = read_input(self.RiskPolicySaveInput, request)
        policy = risk_policy_update(organization=request.organization, actor=request.membership, **data)
        return Response(RiskPolicyOutput(_versions(request).get(pk=policy.pk)).data, status=status.HTTP_201_CREATED)


class RiskPolicyVersionListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="risk_policy_versions_list",
        description=LIST_ORDER + " Every version of the risk policy, the one in force first.",
        parameters=filter_parameters(RiskPolicyFilter),
        responses=RiskPolicyOutput(many=True),
    )
    def get(self, request, org_slug):
        filterset = RiskPolicyFilter(list_params(request), queryset=_versions(request), request=request)
        return paginated(self, request, filtered(filterset), RiskPolicyOutput)
