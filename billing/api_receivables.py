"""API of receivables: the aging and the DSO as reads, with the receivables page's parameters
(billing.filters_receivables) and its visibility: finance and admins read every account's,
account executives and leads those of the accounts they see. A parameter with an invalid value
is a 400 naming it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import visible_accounts
from billing.filters_receivables import ReceivablesFilter, report_aging, report_dso
from billing.receivables import BUCKET_CHOICES, AgingAmounts, Group
from config.api import filter_parameters, filtered, named_enum
from tenancy.permissions import IsTenantMember

# Component names start with "Receivables": billing's statements have an aging of their own.
AgingGroupField = named_enum("AgingGroupEnum", Group.CHOICES)


def _amount(**kwargs) -> serializers.DecimalField:
    """Money as a string with two decimals, never a float; wide enough for the sum of every
    document of an organisation."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True, **kwargs)


class ReceivablesAmountsOutput(serializers.Serializer):
    current = _amount(help_text="Not due yet, or due on the day asked about.")
    days_1_30 = _amount(help_text="1 to 30 days past the due date.")
    days_31_60 = _amount()
    days_61_90 = _amount()
    days_91_120 = _amount()
    over_120 = _amount(help_text="More than 120 days past the due date.")
    outstanding = _amount(help_text="What is open of the invoices: the buckets' sum.")
    overdue = _amount(help_text="Outstanding less current.")
    credit = _amount(help_text="Payments received and not allocated to invoices.")
    balance = _amount(help_text="Outstanding less credit: the ledger balance.")


class ReceivablesRowOutput(ReceivablesAmountsOutput):
    id = serializers.IntegerField(
        source="key",
        allow_null=True,
        help_text="The account's, account executive's (membership) or team's id; null for the accounts without a team.",
    )
    name = serializers.CharField()
    currency = serializers.CharField()
    client = serializers.CharField(source="client_name", help_text="An account's client; empty in other groups.")
    owner = serializers.CharField(source="owner_name", help_text="An account's owner; empty in other groups.")
    team = serializers.CharField(source="team_name", help_text="An account's team; empty in other groups.")
    in_base_currency = ReceivablesAmountsOutput(source="base", help_text="At each document's rate.")


class ReceivablesCurrencyTotalOutput(ReceivablesAmountsOutput):
    currency = serializers.CharField()
    in_base_currency = ReceivablesAmountsOutput(source="base", help_text="At each document's rate.")


class ReceivablesAgingOutput(serializers.Serializer):
    as_of = serializers.DateField()
    group = AgingGroupField()
    base_currency = serializers.CharField()
    rows = ReceivablesRowOutput(many=True)
    totals = ReceivablesCurrencyTotalOutput(many=True, help_text="One per currency of the rows.")
    total_in_base_currency = ReceivablesAmountsOutput(
        source="base_total", help_text="Every row, at each document's rate."
    )


def _flat(amounts: AgingAmounts) -> dict:
    """The amounts as the serializers read them: the buckets and what adds them up."""
    return {
        **{key: getattr(amounts, key) for key, _label in BUCKET_CHOICES},
        "outstanding": amounts.outstanding,
        "overdue": amounts.overdue,
        "credit": amounts.credit,
        "balance": amounts.balance,
    }


class AgingApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="billing_aging",
        description="What the accounts owe as of a day (today by default), in buckets of days past the due date, "
        "one row per account, account executive or team (`group`) and currency, with the totals per currency "
        "and in the base currency at the documents' rates. Rows: the accounts with something open or some credit; "
        "every row, in the order of `sort` (by default, most overdue first).",
        parameters=filter_parameters(ReceivablesFilter, exclude=("dso_from", "dso_to")),
        responses=ReceivablesAgingOutput,
    )
    def get(self, request, org_slug):
        filterset = ReceivablesFilter(
            request.GET, queryset=_visible(request), request=request, organization=request.organization
        )
        filtered(filterset)
        aging = report_aging(filterset)
        return Response(
            ReceivablesAgingOutput(
                {
                    "as_of": aging.as_of,
                    "group": aging.group,
                    "base_currency": aging.base_currency,
                    "rows": [_row(row) for row in aging.rows],
                    "totals": [
                        {"currency": t.currency, **_flat(t.amounts), "base": _flat(t.base)} for t in aging.totals
                    ],
                    "base_total": _flat(aging.base_total),
                }
            ).data
        )


def _row(row) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "currency": row.currency,
        "client_name": row.client_name,
        "owner_name": row.owner_name,
        "team_name": row.team_name,
        **_flat(row.amounts),
        "base": _flat(row.base),
    }


def _visible(request):
    return visible_accounts(organization=request.organization, membership=request.membership)


class ReceivablesDsoOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    currency = serializers.CharField(help_text="The organisation's base currency.")
    dso = serializers.DecimalField(
        source="value",
        max_digits=20,
        decimal_places=1,
        coerce_to_string=True,
        allow_null=True,
        help_text="What was outstanding at the end of the period ÷ what was invoiced less credited in it × its days, "
        "at the documents' rates; null when nothing was sold in the period.",
    )


class DsoApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="billing_dso",
        description="Days sales outstanding of the accounts over a period (`dso_from`–`dso_to`, both included; "
        "by default the 90 days that end on `as_of`, today unless given), in the base currency at the documents' rates.",
        parameters=filter_parameters(ReceivablesFilter, exclude=("group", "overdue", "sort")),
        responses=ReceivablesDsoOutput,
    )
    def get(self, request, org_slug):
        filterset = ReceivablesFilter(
            request.GET, queryset=_visible(request), request=request, organization=request.organization
        )
        filtered(filterset)
        return Response(ReceivablesDsoOutput(report_dso(filterset)).data)
