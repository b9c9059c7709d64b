"""Who may see and do what in accounts, written once: views ask it what to show, services
enforce it.

Roles (DESIGN.md): finance and admins see every account; an account executive sees the
accounts they own or hold a place on the account team of; a sales lead sees, besides their
own, the accounts of the teams they lead and, of an account with no sales team, those owned by
or with a place for a member of a team they lead (nobody else would see them). The lead of an
account (of its team; of its owner's team when it has none) changes and reassigns it like its
owner; finance alone rates risk; admins do everything but rate risk.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Account, AccountTeamMember, Activity, Incident
from tenancy.models import Membership, TeamMember

# --- Seeing accounts ------------------------------------------------------------------------


def can_see_every_account(membership: Membership) -> bool:
    return membership.is_admin or membership.is_finance


def account_visibility(membership: Membership) -> Q:
    """The accounts `membership` may see, as a condition on Account (subqueries, no query now)."""
    if can_see_every_account(membership):
        return Q()
    organization_id = membership.organization_id
    # One probe of the unique (organisation, account, person) index per account: cheap for
    # the few accounts a page joins to (my day's next steps), and PostgreSQL hashes it when
    # it scans them all.
    on_team = AccountTeamMember.objects.filter(
        organization_id=organization_id, account=OuterRef("pk"), membership=membership
    )
    condition = Q(owner=membership) | Q(Exists(on_team))
    if membership.is_sales_lead:
        condition |= led_accounts(membership)
    return condition


def led_accounts(membership: Membership) -> Q:
    """The accounts a sales lead sees as a lead: those of the teams they lead and, of those
    with no sales team, the ones owned by or with a place for someone in those teams.

    Each way in is a set of ids (`__in`), read once per query. Written as a correlated EXISTS
    (a place for anyone in the led teams), PostgreSQL costed it once per account even though
    it hashed it, and at the large bench tenant the estimate passed its JIT threshold:
    compiling the lead's portfolio count took 40 ms, running it 5."""
    organization_id = membership.organization_id
    led = TeamMember.objects.filter(organization_id=organization_id, membership=membership, is_lead=True)
    people = TeamMember.objects.filter(organization_id=organization_id, team__in=led.values("team_id"))
    their_places = AccountTeamMember.objects.filter(
        organization_id=organization_id, membership__in=people.values("membership_id")
    )
    return Q(sales_team__in=led.values("team_id")) | Q(
        Q(sales_team__isnull=True)
        & (Q(owner__in=people.values("membership_id")) | Q(pk__in=their_places.values("account_id")))
    )


def account_viewers(account: Account) -> Q:
    """The people who may see `account`, as a condition on Membership: account_visibility
    read the other way round (tests/accounts/test_permissions.py holds them to each other)."""
    organization_id = account.organization_id
    placed = AccountTeamMember.objects.filter(organization_id=organization_id, account_id=account.pk).values(
        "membership_id"
    )
    if account.sales_team_id is not None:
        teams = TeamMember.objects.filter(organization_id=organization_id, team_id=account.sales_team_id)
    else:
        teams = TeamMember.objects.filter(
            Q(membership_id=account.owner_id) | Q(membership__in=placed), organization_id=organization_id
        )
    leads = TeamMember.objects.filter(
        organization_id=organization_id, team__in=teams.values("team_id"), is_lead=True
    ).values("membership_id")
    return (
        Q(is_admin=True)
        | Q(is_finance=True)
        | Q(pk=account.owner_id)
        | Q(pk__in=placed)
        | Q(is_sales_lead=True, pk__in=leads)
    )


def can_see_account(membership: Membership, account: Account) -> bool:
    """One query (none for finance and admins)."""
    if can_see_every_account(membership):
        return True
    return (
        Account.objects.filter(organization_id=membership.organization_id, pk=account.pk)
        .filter(account_visibility(membership))
        .exists()
    )


# --- Leading accounts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Leadership:
    """The teams a sales lead leads and the people in them (the lead too)."""

    team_ids: frozenset[int]
    people_ids: frozenset[int]


NO_LEADERSHIP = Leadership(frozenset(), frozenset())


def leadership(membership: Membership) -> Leadership:
    """Read once per membership object (one query, none for who leads no team): a request's
    membership is fresh, and the permission questions of one page share the answer."""
    cached = membership.__dict__.get("_leadership")
    if cached is None:
        cached = NO_LEADERSHIP
        if membership.is_sales_lead:
            led = TeamMember.objects.filter(
                organization_id=membership.organization_id, membership=membership, is_lead=True
            ).values("team_id")
            rows = TeamMember.objects.filter(organization_id=membership.organization_id, team__in=led).values_list(
                "team_id", "membership_id"
            )
            rows = list(rows)
            cached = Leadership(frozenset(t for t, _m in rows), frozenset(m for _t, m in rows))
        membership.__dict__["_leadership"] = cached
    return cached


def leads_account(membership: Membership, account: Account) -> bool:
    if not membership.is_sales_lead:
        return False
    led = leadership(membership)
    if account.sales_team_id is not None:
        return account.sales_team_id in led.team_ids
    return account.owner_id in led.people_ids


# --- Accounts -----------------------------------------------------------------------------------


def can_open_accounts(membership: Membership) -> bool:
    return membership.is_admin or membership.is_sales_lead or membership.is_account_executive


def can_open_accounts_for_others(membership: Membership) -> bool:
    """Admins for anyone; a lead for others in the teams they lead (can_open_account)."""
    return membership.is_admin or membership.is_sales_lead


def can_open_account(membership: Membership, account: Account) -> bool:
    """`account`: the one about to be opened, with its owner and sales team."""
    if not can_open_accounts(membership):
        return False
    if membership.is_admin or account.owner_id == membership.pk:
        return True
    # A lead opens accounts for others in the teams they lead, so they keep seeing them.
    return membership.is_sales_lead and account.sales_team_id in leadership(membership).team_ids


def can_edit_account(membership: Membership, account: Account) -> bool:
    """Its terms, team, tier, status, account team and objectives."""
    return membership.is_admin or account.owner_id == membership.pk or leads_account(membership, account)


def can_reassign_account(membership: Membership, account: Account) -> bool:
    return membership.is_admin or leads_account(membership, account)


def can_set_risk_rating(membership: Membership, account: Account | None = None) -> bool:
    return membership.is_finance


# --- Activities and incidents ---------------------------------------------------------------------


def is_own_activity(membership: Membership, activity: Activity) -> bool:
    """They logged it or own its next step."""
    return membership.pk in (activity.created_by_id, activity.next_step_owner_id)


def can_edit_activity(membership: Membership, activity: Activity, *, account_editable: bool | None = None) -> bool:
    """Who logged it, who owns its next step, and who may change the account. A page that
    knows the last already (`account_editable`) asks nothing more for each activity."""
    if is_own_activity(membership, activity):
        return True
    if account_editable is None:
        account_editable = can_edit_account(membership, activity.account)
    return account_editable


def can_work_incident(membership: Membership, incident: Incident) -> bool:
    """People attend incidents as a team: whoever sees the account."""
    return can_see_account(membership, incident.account)


def can_hold_work_on(person: Membership, account: Account) -> bool:
    """A next step or an incident goes to someone who sees the account, or it disappears."""
    return can_see_account(person, account)


def people_who_see(account: Account) -> QuerySet[Membership]:
    return Membership.objects.filter(organization_id=account.organization_id, is_active=True).filter(
        account_viewers(account)
    )


# --- Settings ------------------------------------------------------------------------------------


def can_change_portfolio_settings(membership: Membership) -> bool:
    return membership.is_admin
