import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from config.errors import ApplicationError, refusal_messages
from tenancy import services
from tenancy.models import ApiToken, AuditEvent, Invitation, Membership, Team, TeamMember, User
from tenancy.scope import tenant_scope
from tests.tenancy.isolation import snapshot

REFUSALS = (ApplicationError, ValidationError)


def _state(org):
    with transaction.atomic(), tenant_scope(org):
        return (
            sorted(
                Membership.objects.values_list(
                    "user__email", "is_admin", "is_sales_lead", "is_account_executive", "is_finance", "is_active"
                )
            ),
            sorted(TeamMember.objects.values_list("team__name", "membership__user__email", "is_lead")),
            sorted(Team.objects.values_list("name", flat=True)),
            AuditEvent.objects.count(),
            ApiToken.objects.filter(revoked_at__isnull=True).count(),
            User.objects.count(),
        )


def test_membership_add_creates_the_person_the_membership_and_an_audit_row(world, in_scope):
    org = world.porta.org
    with in_scope(org):
        membership = services.membership_add(
            organization=org,
            actor=world.porta.admin,
            email=" Marta.Serra@Example.com ",
            full_name="Marta Serra",
            roles=["finance", "account_executive"],
        )
        event = AuditEvent.objects.filter(object_id=membership.pk, action="membership.add").get()
    assert (
        membership.user.email,
        membership.user.full_name,
        membership.roles,
        membership.user.has_usable_password(),
    ) == ("marta.serra@example.com", "Marta Serra", ["account_executive", "finance"], False)
    assert (event.actor, event.changes) == (
        world.porta.admin.user,
        {
            "email": [None, "marta.serra@example.com"],
            "roles": [None, ["finance", "account_executive"]],
            "is_active": [None, True],
        },
    )


def test_membership_add_of_someone_who_has_an_account_elsewhere_invites_them_and_adds_no_one(world, in_scope):
    # given ae of nordwind, whom porta's admin adds by email
    with in_scope(world.porta.org):
        # when
        invited = services.membership_add(
            organization=world.porta.org,
            actor=world.porta.admin,
            email="AE@nordwind.example",
            full_name="Someone We Met",
            roles=["finance"],
        )
        memberships = Membership.objects.filter(user=world.nordwind.ae.user).count()
        event = AuditEvent.objects.filter(action="invitation.create").get(object_id=invited.pk)
    # then an invitation with what the admin typed, and nothing of the person's own
    assert isinstance(invited, Invitation)
    assert (invited.email, invited.full_name, invited.roles, invited.user_id, memberships) == (
        "ae@nordwind.example",
        "Someone We Met",
        ["finance"],
        world.nordwind.ae.user.pk,
        0,
    )
    assert event.changes == {"email": [None, "ae@nordwind.example"], "roles": [None, ["finance"]]}


def test_the_invited_person_accepts_and_becomes_a_member_with_the_roles_they_were_offered(world, in_scope):
    # given
    with in_scope(world.porta.org):
        invited = services.membership_add(
            organization=world.porta.org,
            actor=world.porta.admin,
            email="ae@nordwind.example",
            full_name="X",
            roles=["finance", "sales_lead"],
        )
    # when
    membership = services.invitation_accept(user=world.nordwind.ae.user, invitation_id=invited.pk)
    # then
    with in_scope(world.porta.org):
        assert Invitation.objects.filter(pk=invited.pk).exists() is False
        assert Membership.objects.get(pk=membership.pk).roles == ["sales_lead", "finance"]
        event = AuditEvent.objects.get(action="membership.add", object_id=membership.pk)
    assert (membership.user, event.actor) == (world.nordwind.ae.user, world.nordwind.ae.user)


def test_no_one_but_the_invited_person_may_answer_an_invitation_and_nothing_changes(world):
    # given porta's invitation of its invitee
    before = snapshot()
    # when someone else accepts or declines it, then it is not found
    for answer in (services.invitation_accept, services.invitation_decline):
        with pytest.raises(Invitation.DoesNotExist):
            answer(user=world.nordwind.ae.user, invitation_id=world.porta.invitation.pk)
    assert snapshot() == before


def test_the_invited_person_declines_and_the_invitation_is_gone(world, in_scope):
    invitee = world.porta.invitation.user
    services.invitation_decline(user=invitee, invitation_id=world.porta.invitation.pk)
    with in_scope(world.porta.org):
        assert (Invitation.objects.count(), Membership.objects.filter(user=invitee).count()) == (0, 0)
        assert AuditEvent.objects.filter(action="invitation.decline").get().actor == invitee


@pytest.mark.parametrize(
    ("email", "full_name", "roles", "message", "fields"),
    [
        ("not-an-email", "X", ["admin"], "Enter a valid email address.", {"email": "Enter a valid email address."}),
        ("new@example.com", "X", [], "A person needs at least one role.", {"roles": "Choose at least one role."}),
        (
            "new@example.com",
            "X",
            ["owner"],
            "Unknown role: owner.",
            {"roles": "Choose from admin, sales lead, account executive and finance."},
        ),
        ("new@example.com", "", ["admin"], "Enter the person's full name.", {"full_name": "This field is required."}),
        (
            "new@example.com",
            "x" * 151,
            ["admin"],
            "Ensure this value has at most 150 characters (it has 151).",
            {"full_name": "Ensure this value has at most 150 characters (it has 151)."},
        ),
        (
            "ae@porta.example",
            "",
            ["admin"],
            "ae@porta.example is already a member of this organisation.",
            {"email": "Already a member."},
        ),
    ],
)
def test_membership_add_refuses_bad_input_and_writes_nothing(world, in_scope, email, full_name, roles, message, fields):
    before = _state(world.porta.org)
    with pytest.raises(REFUSALS) as error, in_scope(world.porta.org):
        services.membership_add(
            organization=world.porta.org, actor=world.porta.admin, email=email, full_name=full_name, roles=roles
        )
    assert refusal_messages(error.value) == (message, fields)
    assert _state(world.porta.org) == before


@pytest.mark.parametrize("full_name", ["", "x" * 151])
def test_a_known_and_an_unknown_email_are_refused_alike(world, in_scope, full_name):
    # given an email that has an account elsewhere and one that has none, with the same bad name
    refusals = []
    for email in ("ae@nordwind.example", "nobody@example.com"):
        with pytest.raises(REFUSALS) as error, in_scope(world.porta.org):
            services.membership_add(
                organization=world.porta.org,
                actor=world.porta.admin,
                email=email,
                full_name=full_name,
                roles=["finance"],
            )
        refusals.append(refusal_messages(error.value)[1])
    # then the same refusal, on the name: nothing tells the admin which email has an account
    assert refusals[0] == refusals[1] and list(refusals[0]) == ["full_name"]


def test_only_an_admin_may_add_people(world, in_scope):
    before = _state(world.porta.org)
    with pytest.raises(ApplicationError) as error, in_scope(world.porta.org):
        services.membership_add(
            organization=world.porta.org,
            actor=world.porta.lead,
            email="new@example.com",
            full_name="New",
            roles=["admin"],
        )
    assert (error.value.status, error.value.message) == (403, "Only an admin of this organisation may do that.")
    assert _state(world.porta.org) == before


def test_membership_change_roles_is_audited_from_and_to(world, in_scope):
    with in_scope(world.porta.org):
        services.membership_change_roles(
            organization=world.porta.org,
            actor=world.porta.admin,
            membership=world.porta.ae,
            roles=["account_executive", "sales_lead"],
        )
        event = AuditEvent.objects.filter(action="membership.change_roles").get()
        roles = Membership.objects.get(pk=world.porta.ae.pk).roles
    assert roles == ["sales_lead", "account_executive"]
    assert event.changes == {"roles": [["account_executive"], ["sales_lead", "account_executive"]]}


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(world, in_scope):
    before = _state(world.porta.org)
    with pytest.raises(ApplicationError, match="You cannot remove your own admin role."), in_scope(world.porta.org):
        services.membership_change_roles(
            organization=world.porta.org, actor=world.porta.admin, membership=world.porta.admin, roles=["finance"]
        )
    with pytest.raises(ApplicationError, match="You cannot deactivate yourself."), in_scope(world.porta.org):
        services.membership_set_active(
            organization=world.porta.org, actor=world.porta.admin, membership=world.porta.admin, is_active=False
        )
    assert _state(world.porta.org) == before


def test_deactivating_a_member_revokes_their_tokens_and_is_audited(world, in_scope):
    with in_scope(world.porta.org):
        services.api_token_create(organization=world.porta.org, membership=world.porta.ae, name="script")
        services.membership_set_active(
            organization=world.porta.org, actor=world.porta.admin, membership=world.porta.ae, is_active=False
        )
        usable = ApiToken.objects.filter(membership=world.porta.ae, revoked_at__isnull=True).count()
        event = AuditEvent.objects.filter(action="membership.set_active").get()
    assert usable == 0
    assert event.changes == {"is_active": [True, False], "api_tokens_revoked": [0, 1]}


def test_team_set_people_replaces_leads_and_members(world, in_scope):
    org = world.porta
    with in_scope(org.org):
        services.team_set_people(
            organization=org.org,
            actor=org.admin,
            team=org.team,
            leads=[org.ae],
            members=[org.finance, org.ae],
        )
        rows = sorted(TeamMember.objects.filter(team=org.team).values_list("membership__user__email", "is_lead"))
    assert rows == [("ae@porta.example", True), ("finance@porta.example", False)]


def test_team_people_must_be_active_members_of_the_same_organisation(world, in_scope):
    before = _state(world.porta.org)
    with pytest.raises(REFUSALS) as error, in_scope(world.porta.org):
        services.team_set_people(
            organization=world.porta.org,
            actor=world.porta.admin,
            team=world.porta.team,
            leads=[world.nordwind.lead],
            members=[],
        )
    assert refusal_messages(error.value)[1] == {"membership": "Choose active members of this organisation."}
    assert _state(world.porta.org) == before


def test_team_names_are_unique_per_organisation_whatever_the_case(world, in_scope):
    before = _state(world.porta.org)
    with pytest.raises(REFUSALS) as error, in_scope(world.porta.org):
        services.team_create(organization=world.porta.org, actor=world.porta.admin, name="team porta digital")
    assert refusal_messages(error.value) == (
        "A team with this name already exists.",
        {"name": "A team with this name already exists."},
    )
    assert _state(world.porta.org) == before
    with in_scope(world.nordwind.org):
        team = services.team_create(
            organization=world.nordwind.org, actor=world.nordwind.admin, name="Team Porta Digital"
        )
    assert team.name == "Team Porta Digital"


def test_the_team_name_constraint_decides_even_when_the_case_differs(world, in_scope):
    # given a rename to another team's name in other letters (the constraint, not a look-up, refuses)
    with in_scope(world.porta.org):
        other = services.team_create(organization=world.porta.org, actor=world.porta.admin, name="Equip Nord")
    before = _state(world.porta.org)
    with pytest.raises(REFUSALS) as error, in_scope(world.porta.org):
        services.team_rename(
            organization=world.porta.org, actor=world.porta.admin, team=other, name="TEAM porta DIGITAL"
        )
    assert refusal_messages(error.value)[1] == {"name": "A team with this name already exists."}
    assert _state(world.porta.org) == before


def test_api_token_stores_only_a_hash_and_expires(world, in_scope):
    with in_scope(world.porta.org):
        token, secret = services.api_token_create(
            organization=world.porta.org, membership=world.porta.ae, name="sync", days=7
        )
        stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("adk_") and len(secret) == 47
    assert secret not in (stored.key_hash, stored.prefix) and stored.prefix == secret[:10]
    assert (stored.expires_at - stored.created_at).days in (6, 7)


@pytest.mark.parametrize("days", [0, 366, -1])
def test_api_token_lifetime_is_bounded(world, in_scope, days):
    before = _state(world.porta.org)
    with pytest.raises(ApplicationError, match="A token lasts between 1 and 365 days."), in_scope(world.porta.org):
        services.api_token_create(organization=world.porta.org, membership=world.porta.ae, name="sync", days=days)
    assert _state(world.porta.org) == before


def test_team_update_is_all_or_nothing(world, in_scope):
    # given a valid new name and an invalid lead
    before = _state(world.porta.org)
    with pytest.raises(REFUSALS), in_scope(world.porta.org):
        services.team_update(
            organization=world.porta.org,
            actor=world.porta.admin,
            team=world.porta.team,
            name="Renamed",
            leads=[world.nordwind.lead],
        )
    # then the rename did not happen either
    assert _state(world.porta.org) == before
