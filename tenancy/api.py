"""API of tenancy: one view per operation, each with its own input and output serializers."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer, read_input
from tenancy import selectors, services
from tenancy.models import Membership, Role, TokenScope
from tenancy.permissions import CanManagePeople, CanManageTeams, IsTenantMember
from tenancy.scope import current_organization_id


@extend_schema_field(OpenApiTypes.INT)
class ActiveMemberField(serializers.PrimaryKeyRelatedField):
    """A membership id of an active member of the request's organisation (its tenant scope)."""

    default_error_messages = {
        "does_not_exist": "Choose active members of this organisation.",
        "incorrect_type": "Incorrect type. Expected a membership id, received {data_type}.",
    }

    def get_queryset(self):
        return Membership.objects.filter(organization_id=current_organization_id(), is_active=True)


class MembershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


# --- me ----------------------------------------------------------------------------------


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    language = serializers.CharField(source="user.language")
    time_zone = serializers.CharField(source="user.time_zone")
    organization = serializers.CharField(source="organization.slug")
    membership_id = serializers.IntegerField(source="id")
    roles = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="me_retrieve", responses=MeOutput)
    def get(self, request, org_slug):
        return Response(MeOutput(request.membership).data)


# --- memberships (admin) ---------------------------------------------------------------------


class MembershipAddedOutput(serializers.Serializer):
    """The answer to adding a person: what was asked for, the same whether the email already
    had an AccountDesk account (an invitation they accept) or not (a member at once), so that
    it tells nothing about a person of another organisation. See the memberships list for who
    has joined."""

    email = serializers.EmailField()
    full_name = serializers.CharField(help_text="As given in the request.")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    is_active = serializers.BooleanField(
        default=True, help_text="Always true: the person is, or once they accept becomes, an active member."
    )


class MembershipListApi(APIView):
    permission_classes = [CanManagePeople]

    class MembershipCreateInput(StrictSerializer):
        email = serializers.EmailField(max_length=254)
        full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
        roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), allow_empty=False)

    @extend_schema(operation_id="memberships_list", responses=MembershipOutput(many=True))
    def get(self, request, org_slug):
        memberships = selectors.membership_list(organization=request.organization)
        return Response(MembershipOutput(memberships, many=True).data)

    @extend_schema(
        operation_id="memberships_create", request=MembershipCreateInput, responses={201: MembershipAddedOutput}
    )
    def post(self, request, org_slug):
        data = read_input(self.MembershipCreateInput, request)
        added = services.membership_add(organization=request.organization, actor=request.membership, **data)
        return Response(MembershipAddedOutput(added).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    permission_classes = [CanManagePeople]

    class MembershipUpdateInput(StrictSerializer):
        roles = serializers.ListField(
            child=serializers.ChoiceField(choices=Role.choices), allow_empty=False, required=False
        )
        is_active = serializers.BooleanField(required=False)

    @extend_schema(operation_id="memberships_retrieve", responses=MembershipOutput)
    def get(self, request, org_slug, membership_id):
        membership = selectors.membership_get(organization=request.organization, membership_id=membership_id)
        return Response(MembershipOutput(membership).data)

    @extend_schema(operation_id="memberships_update", request=MembershipUpdateInput, responses=MembershipOutput)
    def patch(self, request, org_slug, membership_id):
        membership = selectors.membership_get(organization=request.organization, membership_id=membership_id)
        data = read_input(self.MembershipUpdateInput, request)
        membership = services.membership_update(
            organization=request.organization, actor=request.membership, membership=membership, **data
        )
        return Response(
            MembershipOutput(
                selectors.membership_get(organization=request.organization, membership_id=membership.pk)
            ).data
        )


# --- teams (admin) ------------------------------------------------------------------------------


class TeamOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lead_ids = serializers.SerializerMethodField()
    member_ids = serializers.SerializerMethodField()

    def get_lead_ids(self, team) -> list[int]:
        return sorted(tm.membership_id for tm in team.team_members.all() if tm.is_lead)

    def get_member_ids(self, team) -> list[int]:
        return sorted(tm.membership_id for tm in team.team_members.all() if not tm.is_lead)


class TeamListApi(APIView):
    permission_classes = [CanManageTeams]

    class TeamCreateInput(StrictSerializer):
        name = serializers.CharField(max_length=100)
        lead_ids = ActiveMemberField(many=True, required=False, default=list, source="leads")
        member_ids = ActiveMemberField(many=True, required=False, default=list, source="members")

    @extend_schema(operation_id="teams_list", responses=TeamOutput(many=True))
    def get(self, request, org_slug):
        return Response(TeamOutput(selectors.team_list(organization=request.organization), many=True).data)

    @extend_schema(operation_id="teams_create", request=TeamCreateInput, responses={201: TeamOutput})
    def post(self, request, org_slug):
        data = read_input(self.TeamCreateInput, request)
        team = services.team_create(organization=request.organization, actor=request.membership, **data)
        return Response(
            TeamOutput(selectors.team_get(organization=request.organization, team_id=team.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TeamDetailApi(APIView):
    permission_classes = [CanManageTeams]

    class TeamUpdateInput(StrictSerializer):
        name = serializers.CharField(max_length=100, required=False)
        lead_ids = ActiveMemberField(many=True, required=False, source="leads")
        member_ids = ActiveMemberField(many=True, required=False, source="members")

    @extend_schema(operation_id="teams_retrieve", responses=TeamOutput)
    def get(self, request, org_slug, team_id):
        return Response(TeamOutput(selectors.team_get(organization=request.organization, team_id=team_id)).data)

    @extend_schema(operation_id="teams_update", request=TeamUpdateInput, responses=TeamOutput)
    def patch(self, request, org_slug, team_id):
        team = selectors.team_get(organization=request.organization, team_id=team_id)
        data = read_input(self.TeamUpdateInput, request)
        services.team_update(organization=request.organization, actor=request.membership, team=team, **data)
        return Response(TeamOutput(selectors.team_get(organization=request.organization, team_id=team.pk)).data)

    @extend_schema(operation_id="teams_destroy", responses={204: None})
    def delete(self, request, org_slug, team_id):
        team = selectors.team_get(organization=request.organization, team_id=team_id)
        services.team_delete(organization=request.organization, actor=request.membership, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- tokens (own) ----------------------------------------------------------------------------


class TokenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=TokenScope.choices, help_text="A read-only token's writes answer 403.")
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenCreatedOutput(TokenOutput):
    token = serializers.CharField(help_text="The secret. Shown once; only its hash is stored.")


class TokenListApi(APIView):
    permission_classes = [IsTenantMember]

    class TokenCreateInput(StrictSerializer):
        name = serializers.CharField(max_length=80)
        scope = serializers.ChoiceField(
            choices=TokenScope.choices,
            required=False,
            help_text="`read` or `read_write` (what a token made without it may do, as every token could before).",
        )
        days = serializers.IntegerField(min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, required=False)

    @extend_schema(operation_id="tokens_list", responses=TokenOutput(many=True))
    def get(self, request, org_slug):
        tokens = selectors.api_token_list(organization=request.organization, membership=request.membership)
        return Response(TokenOutput(tokens, many=True).data)

    @extend_schema(operation_id="tokens_create", request=TokenCreateInput, responses={201: TokenCreatedOutput})
    def post(self, request, org_slug):
        data = read_input(self.TokenCreateInput, request)
        token, secret = services.api_token_create(
            organization=request.organization, membership=request.membership, **data
        )
        body = TokenOutput(token).data | {"token": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="tokens_retrieve", responses=TokenOutput)
    def get(self, request, org_slug, token_id):
        token = selectors.api_token_get(
            organization=request.organization, membership=request.membership, token_id=token_id
        )
        return Response(TokenOutput(token).data)

    @extend_schema(operation_id="tokens_revoke", responses={200: TokenOutput})
    def delete(self, request, org_slug, token_id):
        token = selectors.api_token_get(
            organization=request.organization, membership=request.membership, token_id=token_id
        )
        token = services.api_token_revoke(organization=request.organization, membership=request.membership, token=token)
        return Response(TokenOutput(token).data)
