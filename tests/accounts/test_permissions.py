"""accounts.permissions: who sees which account, read both ways, and who may change what."""

from types import SimpleNamespace

import pytest

from accounts import permissions, selectors
from accounts import services as accounts_services
from accounts.models import Account
from tenancy import services as tenancy_services
from tenancy.models import Membership
from tests.factories import add_member


@pytest.fixture
def shapes(world, in_scope):
    """porta's account (Team Porta: lead, ae, ae2), and accounts of every shape visibility
    knows: in Team North (lead2, ae3), without a team owned by ae2 or by ae3, and without a
    team, owned by ae3 with ae2 on its account team."""
    p = world.porta
    lead2 = add_member(p.org, "lead2", ["sales_lead"])
    ae3 = add_member(p.org, "ae3", ["account_executive"])
    with in_scope(p.org):
        north = tenancy_services.team_create(
            organization=p.org, actor=p.admin, name="Team North", lead_ids=[lead2.pk], member_ids=[ae3.pk]
        )

        def account(name, owner, team=None):
            return accounts_services.account_create(
                organization=p.org, actor=p.admin, client=p.client, name=name, owner=owner, sales_team=team
            )

        accounts = {
            "porta": p.account,
            "north": account("In North", ae3, north),
            "ae2 alone": account("Ae2 alone", p.ae2),
            "ae3 alone": account("Ae3 alone", ae3),
            "ae3 with ae2": account("Ae3 with ae2", ae3),
        }
        accounts_services.account_team_member_add(
            organization=p.org,
            actor=p.admin,
            account=accounts["ae3 with ae2"],
            membership=p.ae2,
            role="project_manager",
        )
    people = {"admin": p.admin, "lead": p.lead, "ae": p.ae, "ae2": p.ae2, "finance": p.finance}
    people |= {"lead2": lead2, "ae3": ae3}
    return SimpleNamespace(p=p, accounts=accounts, people=people)


def _fresh(membership: Membership) -> Membership:
    """The membership as a request reads it: what it leads is asked again."""
    return Membership.objects.get(pk=membership.pk)


SEES = {
    "admin": ["porta", "north", "ae2 alone", "ae3 alone", "ae3 with ae2"],
    "finance": ["porta", "north", "ae2 alone", "ae3 alone", "ae3 with ae2"],
    # their team's account; without a team, their members' (ae2 owns one, has a place on another)
    "lead": ["porta", "ae2 alone", "ae3 with ae2"],
    "lead2": ["north", "ae3 alone", "ae3 with ae2"],
    "ae": ["porta"],
    "ae2": ["porta", "ae2 alone", "ae3 with ae2"],
    "ae3": ["north", "ae3 alone", "ae3 with ae2"],
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_person_sees_exactly_the_accounts_of_their_role(shapes, in_scope, who):
    # when
    with in_scope(shapes.p.org):
        seen = set(
            selectors.visible_accounts(organization=shapes.p.org, membership=_fresh(shapes.people[who])).values_list(
                "pk", flat=True
            )
        )
    # then
    assert seen == {shapes.accounts[name].pk for name in SEES[who]}


def test_who_sees_an_account_is_the_same_rule_read_the_other_way(shapes, in_scope):
    # given every person and every account
    # when: for each account, the people who see it; for each person, the accounts they see
    with in_scope(shapes.p.org):
        by_account = {
            name: set(permissions.people_who_see(Account.objects.get(pk=account.pk)).values_list("pk", flat=True))
            for name, account in shapes.accounts.items()
        }
        by_person = {
            who: {
                name
                for name, account in shapes.accounts.items()
                if permissions.can_see_account(_fresh(person), account)
            }
            for who, person in shapes.people.items()
        }
    # then: the two readings agree, person by person and account by account
    assert {
        name: {who for who, person in shapes.people.items() if person.pk in seers} for name, seers in by_account.items()
    } == {name: {who for who in shapes.people if name in by_person[who]} for name in shapes.accounts}
    assert by_person == {who: set(SEES[who]) for who in SEES}


def test_the_lead_of_an_account_without_a_team_is_the_lead_of_its_owner(shapes, in_scope):
    # given
    accounts, people = shapes.accounts, shapes.people
    # when
    with in_scope(shapes.p.org):
        leads = {
            who: sorted(
                name
                for name, account in accounts.items()
                if permissions.can_reassign_account(_fresh(people[who]), Account.objects.get(pk=account.pk))
            )
            for who in ("lead", "lead2", "ae2", "admin")
        }
    # then: a place on the account team makes it visible to the lead, not theirs to reassign
    assert leads == {
        "lead": ["ae2 alone", "porta"],
        "lead2": ["ae3 alone", "ae3 with ae2", "north"],
        "ae2": [],
        "admin": sorted(accounts),
    }


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("admin", {"open": True, "others": True, "edit": True, "reassign": True, "risk": False, "settings": True}),
        ("lead", {"open": True, "others": True, "edit": True, "reassign": True, "risk": False, "settings": False}),
        ("ae", {"open": True, "others": False, "edit": True, "reassign": False, "risk": False, "settings": False}),
        ("ae2", {"open": True, "others": False, "edit": False, "reassign": False, "risk": False, "settings": False}),
        (
            "finance",
            {"open": False, "others": False, "edit": False, "reassign": False, "risk": True, "settings": False},
        ),
    ],
)
def test_what_each_role_may_do_with_porta_s_account(world, in_scope, who, may):
    p = world.porta
    with in_scope(p.org):
        person, account = _fresh(getattr(p, who)), Account.objects.get(pk=p.account.pk)
        answers = {
            "open": permissions.can_open_accounts(person),
            "others": permissions.can_open_accounts_for_others(person),
            "edit": permissions.can_edit_account(person, account),
            "reassign": permissions.can_reassign_account(person, account),
            "risk": permissions.can_set_risk_rating(person, account),
            "settings": permissions.can_change_portfolio_settings(person),
        }
    assert answers == may
