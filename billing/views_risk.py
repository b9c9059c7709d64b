"""The risk policy's page: the version in force, each rule in words, for everyone; finance's
form to save a new version; and the history of versions, each with who saved it, when, why and
what it changed from the one before.

Everyone reads (billing.permissions.can_see_risk_policy); finance alone posts (403 for the
others, and billing.services_risk refuses them again)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_percent
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from billing import permissions
from billing.forms_risk import RiskPolicyForm
from billing.models import RiskPolicy
from billing.selectors_risk import risk_policy_current, risk_policy_history, risk_policy_versions
from billing.services_risk import risk_policy_update
from config.forms import submit
from tenancy.htmx import render
from tenancy.text import money_text, reader_locale

HISTORY_PAGE_SIZE = 20
PERCENT_RULES = {"max_exposure_percent", "min_margin_percent", "max_line_discount_percent", "max_discount_percent"}
DAYS_RULES = {"overdue_tolerance_days", "max_payment_terms_days"}


def _percent(value: Decimal) -> str:
    """15 → "15%" in English, "15 %" in Spanish and Catalan; 12.5 → "12.5%"."""
    return format_percent(value / 100, format="#,##0.##%", locale=reader_locale())


def _days(value: int) -> str:
    return ngettext("%(days)s day", "%(days)s days", value) % {"days": value}


def _value_text(rule: str, value, currency: str) -> str:
    if rule in PERCENT_RULES:
        return _percent(value)
    if rule in DAYS_RULES:
        return _days(value)
    return money_text(value, currency)


def _rule_label(rule: str) -> str:
    return str(RiskPolicy._meta.get_field(rule).verbose_name).capitalize()


def rules_in_words(policy: RiskPolicy, currency: str) -> list[tuple[str, str]]:
    """Each rule of `policy` as (its name, a sentence), amounts in `currency` (the base one)."""
    days = policy.overdue_tolerance_days
    terms = policy.max_payment_terms_days
    return [
        (
            _("Exposure"),
            _(
                "An account may owe up to %(percent)s of its credit limit, counting open receivables, "
                "open orders and the offer."
            )
            % {"percent": _percent(policy.max_exposure_percent)},
        ),
        (
            _("Overdue"),
            ngettext(
                "No more than %(amount)s may be over %(days)s day late.",
                "No more than %(amount)s may be over %(days)s days late.",
                days,
            )
            % {"amount": money_text(policy.overdue_tolerance_amount, currency), "days": days},
        ),
        (
            _("Margin"),
            _("An offer's margin is at least %(percent)s.") % {"percent": _percent(policy.min_margin_percent)},
        ),
        (
            _("Discounts"),
            _("A line's discount is at most %(line)s, and the offer's overall discount at most %(overall)s.")
            % {"line": _percent(policy.max_line_discount_percent), "overall": _percent(policy.max_discount_percent)},
        ),
        (
            _("Payment terms"),
            ngettext(
                "An offer's payment terms are at most %(days)s day.",
                "An offer's payment terms are at most %(days)s days.",
                terms,
            )
            % {"days": terms},
        ),
    ]


def _history(organization, page) -> list[dict]:
    currency = organization.base_currency
    return [
        {
            "policy": entry.policy,
            "changes": [
                (_rule_label(c.rule), _value_text(c.rule, c.before, currency), _value_text(c.rule, c.after, currency))
                for c in entry.changes
            ],
        }
        for entry in risk_policy_history(organization=organization, versions=page.object_list)
    ]


@require_http_methods(["GET", "POST"])
def risk_policy(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    if not permissions.can_see_risk_policy(membership):
        raise PermissionDenied
    may_change = permissions.can_change_risk_policy(membership)
    form = None
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        form = RiskPolicyForm(request.POST)
        saved = submit(form, lambda data: risk_policy_update(organization=organization, actor=membership, **data))
        if saved:
            messages.success(
                request, _("Version %(version)s of the risk policy is in force.") % {"version": saved.version}
            )
            url = reverse("risk_policy", kwargs={"org_slug": organization.slug})
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    current = risk_policy_current(organization=organization)
    if may_change and form is None:
        form = RiskPolicyForm.of(current)
    paginator = Paginator(risk_policy_versions(organization=organization), HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "policy": current,
        "rules": rules_in_words(current, organization.base_currency),
        "form": form,
        "may_change": may_change,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "history": _history(organization, page),
        "query": "",
    }
    status = 400 if form is not None and form.errors else 200
    partial = "history" if request.method == "GET" else None  # the history's pages, by htmx
    return render(request, "billing/risk_policy.html", context, partial=partial, status=status)
