"""The risk policy's page: everyone reads the version in force in words, finance saves a new
version with the form, the history says what each version changed; refusals change nothing;
a fixed number of queries whatever the number of versions."""

import html as html_text
import re
from decimal import Decimal

import pytest

from billing.models import RiskPolicy
from billing.services_risk import risk_policy_update
from tests.factories import post_unchanged, signed_in

D = Decimal
URL = "/o/porta/billing/risk-policy/"
FORM = {
    "max_exposure_percent": "120",
    "overdue_tolerance_amount": "1,500.50",
    "overdue_tolerance_days": "45",
    "min_margin_percent": "15",
    "max_line_discount_percent": "15",
    "max_discount_percent": "12.5",
    "max_payment_terms_days": "60",
    "note": "Bigger clients this year.",
}
PAGE_QUERIES = 11


def _texts(response, testid: str) -> list[str]:
    html = response.content.decode()
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</(?:dd|div|p)>', html, re.S)
    return [" ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", text)).split()) for text in found]


def _versions(response) -> list[str]:
    return re.findall(r'data-testid="version-row" data-version="(\d+)"', response.content.decode())


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "finance"])
def test_everyone_reads_the_policy_in_force_in_words(world, role):
    response = signed_in(getattr(world.porta, role)).get(URL)
    assert response.status_code == 200
    assert _texts(response, "policy-rule") == [
        "An account may owe up to 100% of its credit limit, counting open receivables, open orders and the offer.",
        "No more than €2,000.00 may be over 60 days late.",
        "An offer's margin is at least 15%.",
        "A line's discount is at most 15%, and the offer's overall discount at most 10%.",
        "An offer's payment terms are at most 60 days.",
    ]
    assert _versions(response) == ["1"]
    assert (b'data-testid="risk-policy-form"' in response.content) == (role == "finance")


def test_the_page_is_in_spanish_for_a_spanish_reader(world):
    person = world.porta.ae.user
    person.language = "es"
    person.save(update_fields=["language"])
    response = signed_in(world.porta.ae).get(URL)
    assert _texts(response, "policy-rule")[1] == "No más de 2.000,00 € pueden llevar más de 60 días de retraso."


def test_finance_saves_a_new_version_and_the_history_says_what_changed(world, in_scope):
    # given
    p = world.porta
    # when
    response = signed_in(p.finance).post(URL, FORM)
    # then
    assert (response.status_code, response["Location"]) == (302, URL)
    page = signed_in(p.ae).get(URL)
    assert _texts(page, "policy-rule")[0] == (
        "An account may owe up to 120% of its credit limit, counting open receivables, open orders and the offer."
    )
    assert _versions(page) == ["2", "1"]
    assert _texts(page, "version-change") == [
        "Most an account may owe (% of its credit limit): 100% → 120%",
        "Overdue tolerance (amount): €2,000.00 → €1,500.50",
        "Overdue tolerance (days late): 60 days → 45 days",
        "Maximum overall discount (%): 10% → 12.5%",
    ]
    assert _texts(page, "version-note") == ["Bigger clients this year."]
    with in_scope(p.org):
        assert RiskPolicy.objects.get(version=2).created_by_id == p.finance.pk


@pytest.mark.parametrize("role", ["admin", "lead", "ae"])
def test_only_finance_may_post_and_a_refusal_changes_nothing(world, role):
    response, unchanged = post_unchanged(getattr(world.porta, role), URL, FORM)
    assert (response.status_code, unchanged) == (403, True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_discount_percent": "100.5"}, "max_discount_percent", "A percentage from 0 to 100."),
        ({"overdue_tolerance_days": "366"}, "overdue_tolerance_days", "A number of days from 0 to 365."),
        ({"overdue_tolerance_days": "many"}, "overdue_tolerance_days", "A number of days from 0 to 365."),
        ({"overdue_tolerance_amount": "-1"}, "overdue_tolerance_amount", "It cannot be negative."),
        ({"min_margin_percent": "abc"}, "min_margin_percent", "Enter a percentage, like 15 or 12.5."),
    ],
)
def test_bad_input_is_said_on_the_form_and_changes_nothing(world, changes, field, message):
    response, unchanged = post_unchanged(world.porta.finance, URL, FORM | changes)
    assert (response.status_code, unchanged) == (400, True)
    assert response.context["form"].errors == {field: [message]}


def test_saving_the_policy_in_force_unchanged_is_refused(world):
    unchanged_form = FORM | {
        "max_exposure_percent": "100",
        "overdue_tolerance_amount": "2000",
        "overdue_tolerance_days": "60",
        "max_discount_percent": "10",
    }
    response, unchanged = post_unchanged(world.porta.finance, URL, unchanged_form)
    assert (response.status_code, unchanged) == (400, True)
    assert _texts(response, "form-error") == [
        "This is the policy in force already: change a rule to save a new version."
    ]


def test_another_organisations_member_gets_404(world):
    response = signed_in(world.nordwind.finance).get(URL)
    assert response.status_code == 404
    response, unchanged = post_unchanged(world.nordwind.finance, URL, FORM)
    assert (response.status_code, unchanged) == (404, True)


def test_the_page_takes_the_same_queries_with_1_and_with_50_versions(world, in_scope, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.finance)
    with django_assert_num_queries(PAGE_QUERIES - 1):  # no version before the oldest to read
        assert _versions(browser.get(URL)) == ["1"]
    with in_scope(p.org):
        for n in range(49):
            risk_policy_update(organization=p.org, actor=p.finance, max_payment_terms_days=n + 1)
    with django_assert_num_queries(PAGE_QUERIES):
        response = browser.get(URL)
    assert _versions(response) == [str(v) for v in range(50, 30, -1)]
    with django_assert_num_queries(PAGE_QUERIES - 1):
        last = browser.get(f"{URL}?page=3", HTTP_HX_REQUEST="true")
    assert _versions(last) == [str(v) for v in range(10, 0, -1)]
