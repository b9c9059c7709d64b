"""API of the portfolio: accounts, their teams, objectives, activities, incidents and audit trail.

Every read goes through accounts.selectors, so an account this person may not see, and all that
hangs from it, answers 404 exactly like one that does not exist. Every write goes through
accounts.services, which decide who may change what (403) and what is valid (400)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.filters import AccountFilter, ActivityFilter, IncidentFilter, ObjectiveFilter, TenantFilterSet
from accounts.models import (
    ACTIVE_MEMBER,
    Account,
    AccountRole,
    AccountStatus,
    AccountTeamMember,
    ActivityKind,
    ActualSource,
    IncidentStatus,
    Metric,
    RiskRating,
    Severity,
    Tier,
)
from clients.api import ClientRefOutput
from clients.models import Client
from config.api import (
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
from config.errors import ApplicationError
from tenancy.models import Membership, Team
from tenancy.permissions import IsTenantMember

# A row of no one, or of another organisation, refused with the model's own sentence for it.
OWNER, CLIENT_OF_THIS_ORGANISATION, TEAM_OF_THIS_ORGANISATION = (
    Account._meta.get_field(name).error_messages["invalid"] for name in ("owner", "client", "sales_team")
)

AccountStatusField = named_enum("AccountStatusEnum", AccountStatus.choices)
IncidentStatusField = named_enum("IncidentStatusEnum", IncidentStatus.choices)


class PersonRefOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership id.")
    full_name = serializers.CharField(source="user.full_name")


class SalesTeamRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AccountRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _visible_account(request, account_id: int) -> Account:
    """An account named in a request body: one this person may not see is not found, like one
    that does not exist."""
    try:
        return selectors.account_get(
            organization=request.organization, membership=request.membership, account_id=account_id
        )
    except Account.DoesNotExist:
        raise ApplicationError(
            _("Not found."), {"account": _("No account you can see has this id.")}, code="not_found", status=404
        ) from None


def _create_on_account(request, input_class, create, fetch):
    """Reads a create body that names an account this person must see, runs the service `create`
    with it and reads the new row back through `fetch(request, pk)`, as a GET would show it."""
    data = read_input(input_class, request)
    account = _visible_account(request, data.pop("account"))
    row = create(organization=request.organization, actor=request.membership, account=account, **data)
    return fetch(request, row.pk)


def _update_and_fetch(request, input_class, update, fetch, name: str, row_id: int):
    """Finds the row `fetch(request, row_id)` (not found first, then the body's errors), runs the
    service `update` on it with the body (as `name=row`) and reads it back."""
    row = fetch(request, row_id)
    data = read_input(input_class, request)
    update(organization=request.organization, actor=request.membership, **{name: row}, **data)
    return fetch(request, row.pk)


def _visible_rows(view, request, selector, filter_class, output, *, params=None, **paginate):
    """One page of what `selector` lets this person see, filtered by `filter_class` over `params`
    (the query string if omitted)."""
    rows = selector(organization=request.organization, membership=request.membership)
    filterset = filter_class(
        request.GET if params is None else params, queryset=rows, request=request, organization=request.organization
    )
    return paginated(view, request, filtered(filterset), output, **paginate)


def _fetcher(selector, id_name: str):
    """`fetch(request, pk)`: the row `selector` finds for this person, by `id_name`."""

    def fetch(request, row_id: int):
        return selector(organization=request.organization, membership=request.membership, **{id_name: row_id})

    return fetch


# --- Accounts -------------------------------------------------------------------------------------


class AccountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client = ClientRefOutput()
    name = serializers.CharField()
    owner = PersonRefOutput()
    sales_team = SalesTeamRefOutput(allow_null=True)
    currency = serializers.CharField()
    payment_terms_days = serializers.IntegerField()
    credit_limit = money()
    risk_rating = serializers.ChoiceField(choices=RiskRating.choices)
    tier = serializers.ChoiceField(choices=Tier.choices)
    status = AccountStatusField()
    start_date = serializers.DateField()
    last_activity_at = serializers.DateTimeField(allow_null=True)
    has_overdue_next_steps = serializers.BooleanField()


def _account_output(request, account: Account, *, has_overdue_next_steps: bool) -> dict:
    """The account as written. If the change took it out of this person's sight (a lead who
    moved it to another team), they still get what they wrote; overdue next steps are about
    activities, which no account write touches."""
    fresh = (
        selectors.account_list(organization=request.organization, membership=request.membership)
        .filter(pk=account.pk)
        .first()
    )
    if fresh is None:
        account.has_overdue_next_steps = has_overdue_next_steps
        fresh = account
    return AccountOutput(fresh).data


class AccountListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class AccountCreateInput(StrictSerializer):
        client = TenantRow(Client, message=CLIENT_OF_THIS_ORGANISATION, help_text="The id of the client.")
        name = serializers.CharField(max_length=200)
        owner = TenantRow(
            Membership,
            message=OWNER,
            required=False,
            help_text="Membership id of an active account executive; yourself if omitted.",
        )
        sales_team = TenantRow(
            Team, message=TEAM_OF_THIS_ORGANISATION, required=False, allow_null=True, help_text="Team id."
        )
        currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217 code, like EUR.")
        payment_terms_days = serializers.IntegerField(required=False, help_text="0 to 365.")
        credit_limit = money(required=False)
        risk_rating = serializers.ChoiceField(choices=RiskRating.choices, required=False, help_text="Finance only.")
        tier = serializers.ChoiceField(choices=Tier.choices, required=False)
        status = AccountStatusField(required=False)
        start_date = serializers.DateField(required=False)

    @extend_schema(
        operation_id="accounts_list",
        description=LIST_ORDER,
        parameters=filter_parameters(AccountFilter),
        responses=AccountOutput(many=True),
    )
    def get(self, request, org_slug):
        accounts = selectors.account_list(organization=request.organization, membership=request.membership)
        filterset = AccountFilter(
            list_params(request), queryset=accounts, request=request, organization=request.organization
        )
        return paginated(self, request, filtered(filterset), AccountOutput)

    @extend_schema(operation_id="accounts_create", request=AccountCreateInput, responses={201: AccountOutput})
    def post(self, request, org_slug):
        data = read_input(self.AccountCreateInput, request)
        account = services.account_create(organization=request.organization, actor=request.membership, **data)
        # A new account has no activities, so no overdue next steps.
        return Response(_account_output(request, account, has_overdue_next_steps=False), status=status.HTTP_201_CREATED)


class AccountDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class AccountUpdateInput(StrictSerializer):
        name = serializers.CharField(max_length=200, required=False)
        owner = TenantRow(
            Membership, message=OWNER, required=False, help_text="Reassign: the lead of the account or an admin."
        )
        sales_team = TenantRow(Team, message=TEAM_OF_THIS_ORGANISATION, required=False, allow_null=True)
        currency = serializers.CharField(max_length=3, required=False)
        payment_terms_days = serializers.IntegerField(required=False)
        credit_limit = money(required=False)
        risk_rating = serializers.ChoiceField(choices=RiskRating.choices, required=False, help_text="Finance only.")
        tier = serializers.ChoiceField(choices=Tier.choices, required=False)
        status = AccountStatusField(required=False)
        start_date = serializers.DateField(required=False)

    def _get(self, request, account_id) -> Account:
        return selectors.account_list(organization=request.organization, membership=request.membership).get(
            pk=account_id
        )

    @extend_schema(operation_id="accounts_retrieve", responses=AccountOutput)
    def get(self, request, org_slug, account_id):
        return Response(AccountOutput(self._get(request, account_id)).data)

    @extend_schema(
        operation_id="accounts_update",
        description="Only the fields sent change. The owner, the lead of its team and admins change its terms, team, tier and status; "
        "the lead and admins reassign it (owner); finance, and only finance, sets its risk rating.",
        request=AccountUpdateInput,
        responses=AccountOutput,
    )
    def patch(self, request, org_slug, account_id):
        account = self._get(request, account_id)
        data = read_input(self.AccountUpdateInput, request)
        updated = services.account_update(
            organization=request.organization, actor=request.membership, account=account, **data
        )
        return Response(_account_output(request, updated, has_overdue_next_steps=account.has_overdue_next_steps))


class AuditActorOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The person's user id.")
    full_name = serializers.CharField()


class AuditEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = AuditActorOutput(allow_null=True)
    action = serializers.CharField(help_text='What happened, like "account.update" or "client.update".')
    changes = serializers.DictField(
        help_text='Each changed field: [from, to], as stored: people and teams by id, choices by code; a place on the account team as {"membership": id, "account_role": code}.'
    )


class AccountAuditApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="accounts_audit_list",
        description="Who changed what on the account and on its client, newest first (by id), cursor-paginated.",
        responses=AuditEventOutput(many=True),
    )
    def get(self, request, org_slug, account_id):
        account = selectors.account_get(
            organization=request.organization, membership=request.membership, account_id=account_id
        )
        events = selectors.account_audit_events(organization=request.organization, account=account)
        return paginated(self, request, events, AuditEventOutput)


# --- Account team -----------------------------------------------------------------------------------


class AccountTeamFilter(TenantFilterSet):
    # No page lists account teams across accounts; belongs in accounts/filters.py when one does.
    account = django_filters.NumberFilter(field_name="account_id", label="Account")
    membership = django_filters.NumberFilter(field_name="membership_id", label="Person (membership id)")

    class Meta:
        model = AccountTeamMember
        fields = []


class AccountTeamMemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account = AccountRefOutput()
    membership = PersonRefOutput()
    role = serializers.ChoiceField(choices=AccountRole.choices)
    created_at = serializers.DateTimeField()


class AccountTeamListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class AccountTeamMemberAddInput(StrictSerializer):
        account = serializers.IntegerField()
        membership = TenantRow(
            Membership, message=ACTIVE_MEMBER, help_text="Membership id of an active person of this organisation."
        )
        role = serializers.ChoiceField(choices=AccountRole.choices)

    @extend_schema(
        operation_id="account_team_list",
        description=LIST_ORDER,
        parameters=filter_parameters(AccountTeamFilter),
        responses=AccountTeamMemberOutput(many=True),
    )
    def get(self, request, org_slug):
        members = selectors.account_team_list(organization=request.organization, membership=request.membership)
        filterset = AccountTeamFilter(request.GET, queryset=members, request=request, organization=request.organization)
        return paginated(self, request, filtered(filterset), AccountTeamMemberOutput)

    @extend_schema(
        operation_id="account_team_add", request=AccountTeamMemberAddInput, responses={201: AccountTeamMemberOutput}
    )
    def post(self, request, org_slug):
        data = read_input(self.AccountTeamMemberAddInput, request)
        account = _visible_account(request, data.pop("account"))
        member = services.account_team_member_add(
            organization=request.organization, actor=request.membership, account=account, **data
        )
        member = selectors.account_team_member_get(
            organization=request.organization, membership=request.membership, member_id=member.pk
        )
        return Response(AccountTeamMemberOutput(member).data, status=status.HTTP_201_CREATED)


class AccountTeamMemberDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class AccountTeamMemberUpdateInput(StrictSerializer):
        role = serializers.ChoiceField(choices=AccountRole.choices)

    def _get(self, request, member_id) -> AccountTeamMember:
        return selectors.account_team_member_get(
            organization=request.organization, membership=request.membership, member_id=member_id
        )

    @extend_schema(operation_id="account_team_retrieve", responses=AccountTeamMemberOutput)
    def get(self, request, org_slug, member_id):
        return Response(AccountTeamMemberOutput(self._get(request, member_id)).data)

    @extend_schema(
        operation_id="account_team_update", request=AccountTeamMemberUpdateInput, responses=AccountTeamMemberOutput
    )
    def patch(self, request, org_slug, member_id):
        member = self._get(request, member_id)
        data = read_input(self.AccountTeamMemberUpdateInput, request)
        services.account_team_member_update(
            organization=request.organization, actor=request.membership, member=member, **data
        )
        return Response(AccountTeamMemberOutput(self._get(request, member.pk)).data)

    @extend_schema(operation_id="account_team_remove", responses={204: None})
    def delete(self, request, org_slug, member_id):
        services.account_team_member_remove(
            organization=request.organization, actor=request.membership, member=self._get(request, member_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Objectives -------------------------------------------------------------------------------------


class ObjectiveActualOutput(serializers.Serializer):
    as_of = serializers.DateField()
    value = money()
    source = serializers.ChoiceField(choices=ActualSource.choices)


class ObjectiveProgressOutput(serializers.Serializer):
    actual = money(allow_null=True, help_text="The latest actual; computed wins over manual on the same date.")
    expected = money(help_text="The target pro-rated for the elapsed part of the period (rates: the whole target).")
    elapsed_pct = serializers.IntegerField()
    progress_pct = serializers.IntegerField(allow_null=True, help_text="Actual as a percentage of the target.")
    state = serializers.ChoiceField(choices=[(s, s) for s in ("ahead", "on_track", "behind", "no_data", "not_started")])


class ObjectiveOutput(serializers.Serializer):
    """Serialises accounts.selectors.ObjectiveProgress: the objective and how it is going."""

    id = serializers.IntegerField(source="objective.id")
    account = AccountRefOutput(source="objective.account")
    metric = serializers.ChoiceField(source="objective.metric", choices=Metric.choices)
    custom_metric_name = serializers.CharField(source="objective.custom_metric_name")
    period_start = serializers.DateField(source="objective.period_start")
    period_end = serializers.DateField(source="objective.period_end")
    target = money(source="objective.target")
    tolerance_pct = serializers.DecimalField(
        source="objective.tolerance_pct", max_digits=5, decimal_places=2, coerce_to_string=True
    )
    created_at = serializers.DateTimeField(source="objective.created_at")
    actuals = ObjectiveActualOutput(source="objective.actuals.all", many=True)
    progress = ObjectiveProgressOutput(source="*")


def _progress(objectives) -> list[selectors.ObjectiveProgress]:
    today = timezone.localdate()
    return [selectors.objective_progress(objective, list(objective.actuals.all()), today) for objective in objectives]


class ObjectiveListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class ObjectiveCreateInput(StrictSerializer):
        account = serializers.IntegerField()
        metric = serializers.ChoiceField(choices=Metric.choices)
        custom_metric_name = serializers.CharField(
            max_length=100, required=False, allow_blank=True, help_text="Required when metric is custom."
        )
        period_start = serializers.DateField()
        period_end = serializers.DateField()
        target = money()
        tolerance_pct = serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            coerce_to_string=True,
            required=False,
            help_text="0 to 100; within it counts as on track.",
        )

    @extend_schema(
        operation_id="objectives_list",
        description=LIST_ORDER,
        parameters=filter_parameters(ObjectiveFilter),
        responses=ObjectiveOutput(many=True),
    )
    def get(self, request, org_slug):
        return _visible_rows(self, request, selectors.objective_list, ObjectiveFilter, ObjectiveOutput, rows=_progress)

    @extend_schema(operation_id="objectives_create", request=ObjectiveCreateInput, responses={201: ObjectiveOutput})
    def post(self, request, org_slug):
        objective = _create_on_account(
            request, self.ObjectiveCreateInput, services.objective_create, ObjectiveDetailApi.get_objective
        )
        return Response(ObjectiveOutput(_progress([objective])[0]).data, status=status.HTTP_201_CREATED)


class ObjectiveDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class ObjectiveUpdateInput(StrictSerializer):
        metric = serializers.ChoiceField(choices=Metric.choices, required=False)
        custom_metric_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        period_start = serializers.DateField(required=False)
        period_end = serializers.DateField(required=False)
        target = money(required=False)
        tolerance_pct = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, required=False)

    get_objective = staticmethod(_fetcher(selectors.objective_get, "objective_id"))

    @extend_schema(operation_id="objectives_retrieve", responses=ObjectiveOutput)
    def get(self, request, org_slug, objective_id):
        return Response(ObjectiveOutput(_progress([self.get_objective(request, objective_id)])[0]).data)

    @extend_schema(operation_id="objectives_update", request=ObjectiveUpdateInput, responses=ObjectiveOutput)
    def patch(self, request, org_slug, objective_id):
        objective = _update_and_fetch(
            request, self.ObjectiveUpdateInput, services.objective_update, self.get_objective, "objective", objective_id
        )
        return Response(ObjectiveOutput(_progress([objective])[0]).data)


class ObjectiveActualApi(APIView):
    permission_classes = [IsTenantMember]

    class ObjectiveActualInput(StrictSerializer):
        as_of = serializers.DateField(help_text="Inside the objective's period, today or earlier.")
        value = money(help_text="The metric's value as of that date, cumulative since the period start.")

    @extend_schema(
        operation_id="objectives_record_actual",
        description="Enter an actual by hand. A second entry for the same date replaces the first. Answers with the objective and its progress.",
        request=ObjectiveActualInput,
        responses=ObjectiveOutput,
    )
    def post(self, request, org_slug, objective_id):
        objective = _update_and_fetch(
            request,
            self.ObjectiveActualInput,
            services.objective_actual_record,
            ObjectiveDetailApi.get_objective,
            "objective",
            objective_id,
        )
        return Response(ObjectiveOutput(_progress([objective])[0]).data)


# --- Activities -------------------------------------------------------------------------------------


class ActivityContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class ActivityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account = AccountRefOutput()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    occurred_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    summary = serializers.CharField()
    outcome = serializers.CharField()
    contacts = ActivityContactOutput(source="contact_list", many=True)
    next_step = serializers.CharField()
    next_step_due = serializers.DateField(allow_null=True)
    next_step_owner = PersonRefOutput(allow_null=True)
    next_step_done_at = serializers.DateTimeField(allow_null=True)
    created_by = PersonRefOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ActivityListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class ActivityCreateInput(StrictSerializer):
        account = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False, help_text="A note if omitted.")
        occurred_at = serializers.DateTimeField(required=False, help_text="Now if omitted; not in the future.")
        duration_minutes = serializers.IntegerField(required=False, help_text="0 to 1440.")
        summary = serializers.CharField(max_length=4000)
        outcome = serializers.CharField(max_length=500, required=False, allow_blank=True)
        contact_ids = serializers.ListField(
            child=serializers.IntegerField(), required=False, help_text="Contacts of the account's client."
        )
        next_step = serializers.CharField(
            max_length=300, required=False, allow_blank=True, help_text="Needs a due date; its owner is you if omitted."
        )
        next_step_due = serializers.DateField(required=False, allow_null=True)
        next_step_owner = TenantRow(
            Membership,
            message=ACTIVE_MEMBER,
            required=False,
            allow_null=True,
            help_text="Membership id of someone who sees the account.",
        )

    @extend_schema(
        operation_id="activities_list",
        description=LIST_ORDER,
        parameters=filter_parameters(ActivityFilter),
        responses=ActivityOutput(many=True),
    )
    def get(self, request, org_slug):
        return _visible_rows(self, request, selectors.activity_list, ActivityFilter, ActivityOutput)

    @extend_schema(operation_id="activities_create", request=ActivityCreateInput, responses={201: ActivityOutput})
    def post(self, request, org_slug):
        activity = _create_on_account(
            request, self.ActivityCreateInput, services.activity_log, ActivityDetailApi.get_activity
        )
        return Response(ActivityOutput(activity).data, status=status.HTTP_201_CREATED)


class ActivityDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class ActivityUpdateInput(StrictSerializer):
        kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
        occurred_at = serializers.DateTimeField(required=False)
        duration_minutes = serializers.IntegerField(required=False)
        summary = serializers.CharField(max_length=4000, required=False)
        outcome = serializers.CharField(max_length=500, required=False, allow_blank=True)
        contact_ids = serializers.ListField(
            child=serializers.IntegerField(), required=False, help_text="Replaces the activity's contacts."
        )
        next_step = serializers.CharField(max_length=300, required=False, allow_blank=True)
        next_step_due = serializers.DateField(required=False, allow_null=True)
        next_step_owner = TenantRow(Membership, message=ACTIVE_MEMBER, required=False, allow_null=True)

    get_activity = staticmethod(_fetcher(selectors.activity_get, "activity_id"))

    @extend_schema(operation_id="activities_retrieve", responses=ActivityOutput)
    def get(self, request, org_slug, activity_id):
        return Response(ActivityOutput(self.get_activity(request, activity_id)).data)

    @extend_schema(operation_id="activities_update", request=ActivityUpdateInput, responses=ActivityOutput)
    def patch(self, request, org_slug, activity_id):
        activity = _update_and_fetch(
            request, self.ActivityUpdateInput, services.activity_update, self.get_activity, "activity", activity_id
        )
        return Response(ActivityOutput(activity).data)


# --- Incidents ---------------------------------------------------------------------------------------


class IncidentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account = AccountRefOutput()
    title = serializers.CharField()
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    status = IncidentStatusField()
    assignee = PersonRefOutput(allow_null=True)
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    sla_due_at = serializers.DateTimeField(help_text="From the severity and the organisation's SLA settings.")
    is_overdue = serializers.BooleanField(help_text="Open and past its SLA.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class IncidentListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class IncidentCreateInput(StrictSerializer):
        account = serializers.IntegerField()
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        severity = serializers.ChoiceField(choices=Severity.choices, required=False, help_text="Normal if omitted.")
        status = IncidentStatusField(required=False)
        assignee = TenantRow(
            Membership,
            message=ACTIVE_MEMBER,
            required=False,
            allow_null=True,
            help_text="Membership id of someone who sees the account.",
        )
        opened_at = serializers.DateTimeField(required=False, help_text="Now if omitted.")

    @extend_schema(
        operation_id="incidents_list",
        description=LIST_ORDER
        + " Unlike the incidents page, which shows open incidents unless told otherwise, every status is listed unless `status` is given.",
        parameters=filter_parameters(IncidentFilter),
        responses=IncidentOutput(many=True),
    )
    def get(self, request, org_slug):
        return _visible_rows(
            self, request, selectors.incident_list, IncidentFilter, IncidentOutput, params=list_params(request)
        )

    @extend_schema(operation_id="incidents_create", request=IncidentCreateInput, responses={201: IncidentOutput})
    def post(self, request, org_slug):
        incident = _create_on_account(
            request, self.IncidentCreateInput, services.incident_open, IncidentDetailApi.get_incident
        )
        return Response(IncidentOutput(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class IncidentUpdateInput(StrictSerializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        severity = serializers.ChoiceField(
            choices=Severity.choices, required=False, help_text="Re-grading moves the SLA."
        )
        status = IncidentStatusField(required=False, help_text="Resolving stamps resolved_at; reopening clears it.")
        assignee = TenantRow(Membership, message=ACTIVE_MEMBER, required=False, allow_null=True)
        opened_at = serializers.DateTimeField(required=False)

    get_incident = staticmethod(_fetcher(selectors.incident_get, "incident_id"))

    @extend_schema(operation_id="incidents_retrieve", responses=IncidentOutput)
    def get(self, request, org_slug, incident_id):
        return Response(IncidentOutput(self.get_incident(request, incident_id)).data)

    @extend_schema(operation_id="incidents_update", request=IncidentUpdateInput, responses=IncidentOutput)
    def patch(self, request, org_slug, incident_id):
        incident = _update_and_fetch(
            request, self.IncidentUpdateInput, services.incident_update, self.get_incident, "incident", incident_id
        )
        return Response(IncidentOutput(incident).data)
