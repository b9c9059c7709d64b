"""Offers on the billing bench tenant (`bench-billing`, bench/billing.py): its 2,000 accounts, its
catalogue and its ledger, so that grading an offer reads a real ledger.

- 50,000 offers over the three years of the ledger, in every stage: the open ones (16 %: draft,
  submitted, approved, rejected, sent, in negotiation) drafted in the last four weeks and valid
  for 30 days, the closed ones before (won 40 %, lost 24 %, expired 12 %, withdrawn 8 %); each
  stage takes an exact share (the stage is i × 61 mod 100), so exactly 20,000 are won.
- Revisions: one while an offer has not reached the client's answer (draft … sent), two to seven
  once it has (negotiation, won, lost, expired, withdrawn): 4.1 on average, 203,000 in all.
- Lines: one to seven per revision (four on average), copied from revision to revision with the
  same `line_key`, the client winning a little discount and quantity each round: about 200,000
  lines on the CURRENT revisions, about 810,000 over all revisions. One line in twenty is free
  text; the others are catalogue products at their list price and cost (the catalogue's costs,
  0 in bench/billing.py, are set here to 55–70 % of the list price when they are all 0).
- Grades by offers.grading itself, from each current revision's totals and line discounts and,
  for the three accounts in ten that finance watches (the `risky` ones), the account's real
  exposure from the ledger (billing.selectors_risk.account_exposure, all accounts in one call);
  the others are graded as if they owed nothing (the billing bench's ledger has most accounts
  over their credit limit: graded on it every offer would be C or D). About three offers in
  ten give a line 20 % off (over the policy's 15 %): commercial.
- Approvals: every round an offer was submitted in, for each kind its grade needed, decided by
  the account's sales lead (commercial) or finance (financial); a rejected offer's last round
  rejected with a comment; a submitted offer's last round pending — so the approvals queue of
  every sales lead and of finance has offers waiting (every submitted or rejected offer breaches
  the commercial rules, those on risky accounts the financial ones too).
- 20,000 orders of the won offers, with the lines of the accepted revision, a planned delivery
  per line (one line in four in two deliveries, a fortnight apart), the deliveries made of what
  was planned by three days ago (one in twenty only half), received by the client three days
  later (one in twenty-five only half). No invoice links: billing's invoices stay as
  bench/billing.py made them.
- The offer editor's worst case: two offers in negotiation at revision 4 with 50 lines in each
  revision and three rounds of approvals, owned by their account's executive: one on an
  ordinary account (the editor's worst case in lines), one on the busiest account (10,000
  ledger lines: grading's worst case too).

Written set-based like bench/billing.py: in one transaction inside the tenant scope, one
INSERT … SELECT over generate_series per table, ids drawn from the tables' sequences first, every
"random" choice hashint8 of the row's number, so the same data comes out every time. Numbers
are gapless per year in the order the offers were drafted (offers.models.OfferSeries keeps each
year's last). Amounts are those offers.services writes (line nets half-up to the cent, tax per
rate on the sum of its nets, list value and cost per line to the cent); `verify()` recomputes a
sample with billing.totals. No audit events are written (no measured page reads them).

bench/offers_run.py builds it (`generate_offers`) and measures it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import Account
from bench.billing import DAYS, SLUG, _h, _sql, generate_billing
from bench.generate import TZ, analyze
from billing.models import RiskPolicy
from billing.totals import ZERO, LineAmount, cents, document_totals, line_net
from offers import grading
from offers.models import Offer, OfferLine, OfferRevision
from tenancy.models import Membership, Organization
from tenancy.scope import tenant_scope

OFFERS = 50_000
EDITOR_LINES = 50
EDITOR_REVISIONS = 4
# The ordinary account's editor offer: one whose stage is "negotiation" already (92 × 61 mod 100 = 12).
ORDINARY_EDITOR = 92
# The stage of offer i is STAGES[i × 61 mod 100]: each share exact (61 is prime to 100).
STAGE_SQL = """CASE
    WHEN s < 4 THEN 'draft' WHEN s < 6 THEN 'submitted' WHEN s < 7 THEN 'approved' WHEN s < 8 THEN 'rejected'
    WHEN s < 12 THEN 'sent' WHEN s < 16 THEN 'negotiation' WHEN s < 56 THEN 'won' WHEN s < 80 THEN 'lost'
    WHEN s < 92 THEN 'expired' ELSE 'withdrawn' END"""
TITLES = "ARRAY['Annual supply', 'Maintenance renewal', 'Plant expansion', 'Spare parts', 'Pilot project', 'Framework agreement', 'Line upgrade', 'Service contract']"
LOST_REASONS = "ARRAY['Price', 'Delivery time', 'Went with the incumbent', 'Project cancelled']"
COMPETITORS = "ARRAY['', 'Acme Industrial', 'Norte Suministros', 'Iberia Tools', 'Levante Systems']"


@dataclass(frozen=True)
class OffersTenant:
    organization: Organization
    finance_email: str
    editor_offer_id: int
    editor_owner_email: str
    editor_line_ids: tuple[int, ...]
    busiest_offer_id: int  # the same on the busiest account
    busiest_owner_email: str
    busiest_line_ids: tuple[int, ...]
    lead_email: str  # a sales lead with offers waiting for them


def _set_costs(cursor, org: int) -> None:
    """The catalogue's unit costs, 55–70 % of the list price, when none has one yet."""
    cursor.execute("SELECT count(*) FROM catalog_productprice WHERE organization_id = %s AND unit_cost > 0", [org])
    if cursor.fetchone()[0]:
        return
    _sql(
        cursor,
        """UPDATE catalog_productprice SET unit_cost = round(list_price * (55 + 5 * mod(product_id, 4)) / 100, 2)
        WHERE organization_id = %(org)s""",
        {"org": org},
    )


def build_offers(organization: Organization, busiest_account_id: int) -> dict[str, int] | None:
    """The offers, their revisions, lines, approvals and orders; nothing when the tenant has offers."""
    if Offer.objects.filter(organization=organization).exists():
        return None
    finance = Membership.objects.get(organization=organization, user__email=f"admin@{SLUG}.bench")
    today = timezone.localdate(timezone.now(), TZ)
    h = _h
    p = {"org": organization.pk, "finance": finance.pk, "today": today, "tz": str(TZ), "busiest": busiest_account_id}
    made: dict[str, int] = {}
    with connection.cursor() as cursor:
        _set_costs(cursor, organization.pk)
        # Accounts, their sales lead (the lead of their sales team, else of their owner's team)
        # and whether finance watches them (three in ten; the busiest one too).
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bo_account ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY a.id)::int AS n, a.id, a.owner_id, a.currency,
                   coalesce(
                       (SELECT tl.membership_id FROM tenancy_teammember tl
                        WHERE tl.team_id = a.sales_team_id AND tl.is_lead ORDER BY tl.id LIMIT 1),
                       (SELECT tl.membership_id FROM tenancy_teammember tm
                        JOIN tenancy_teammember tl ON tl.team_id = tm.team_id AND tl.is_lead
                        WHERE tm.membership_id = a.owner_id ORDER BY tl.id LIMIT 1),
                       %(finance)s) AS lead_id,
                   ({h("a.id", 40, 10)} < 3 OR a.id = %(busiest)s) AS risky
            FROM accounts_account a WHERE a.organization_id = %(org)s AND a.currency = 'EUR'""",
            p,
        )
        cursor.execute(
            """SELECT count(*), max(n) FILTER (WHERE id = %(busiest)s), min(n) FILTER (WHERE NOT risky)
            FROM bo_account""",
            p,
        )
        n_accounts, busiest_n, ordinary_n = cursor.fetchone()
        _sql(
            cursor,
            """CREATE TEMP TABLE bo_product ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY pr.id)::int AS n, pr.id, pr.name, pp.list_price AS price,
                   pp.unit_cost AS cost, t.rate AS pct, pr.tax_rate_id
            FROM catalog_product pr
            JOIN catalog_productprice pp ON pp.product_id = pr.id AND pp.currency = 'EUR'
            JOIN catalog_taxrate t ON t.id = pr.tax_rate_id
            WHERE pr.organization_id = %(org)s AND pr.status = 'active'""",
            p,
        )
        cursor.execute("SELECT count(*) FROM bo_product")
        (products,) = cursor.fetchone()
        cursor.execute(
            """SELECT id, rate FROM catalog_taxrate WHERE organization_id = %(org)s AND is_active AND NOT is_exempt
            ORDER BY rate DESC, id LIMIT 1""",
            p,
        )
        general_rate_id, general_pct = cursor.fetchone()
        p |= {"general_rate": general_rate_id, "general_pct": general_pct}
        # The offers: stage, account, dates, revisions (r), lines per revision (l), generous (a
        # line over the policy's discount), in drafting order; offers 1 and
        # ORDINARY_EDITOR are the editor's.
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bo_stage ON COMMIT DROP AS
            SELECT i, CASE WHEN i = 1 THEN 'negotiation' ELSE {STAGE_SQL} END AS status
            FROM (SELECT i, mod(i * 61, 100) AS s FROM generate_series(1, {OFFERS}) AS i) x""",
        )
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bo_offer ON COMMIT DROP AS
            WITH shaped AS (
                SELECT st.i, st.status,
                       st.status IN ('draft', 'submitted', 'approved', 'rejected', 'sent', 'negotiation') AS is_open,
                       CASE WHEN st.i = 1 THEN {busiest_n} WHEN st.i = {ORDINARY_EDITOR} THEN {ordinary_n}
                            ELSE 1 + {h("st.i", 2, n_accounts)} END AS account_n,
                       CASE WHEN st.i IN (1, {ORDINARY_EDITOR}) THEN {EDITOR_REVISIONS}
                            WHEN st.status IN ('draft', 'submitted', 'approved', 'rejected', 'sent') THEN 1
                            ELSE 2 + {h("st.i", 4, 6)} END AS r,
                       CASE WHEN st.i IN (1, {ORDINARY_EDITOR}) THEN {EDITOR_LINES} ELSE 1 + {h("st.i", 5, 7)} END AS l,
                       st.status IN ('submitted', 'rejected') OR {h("st.i", 6, 10)} < 3 AS generous
                FROM bo_stage st
            ), dated AS (
                SELECT s.*, CASE WHEN s.i IN (1, {ORDINARY_EDITOR}) THEN %(today)s::date - 9
                                 WHEN s.is_open THEN %(today)s::date - {h("s.i", 3, 28)}::int
                                 ELSE %(today)s::date - 35 - {h("s.i", 3, DAYS - 35)}::int END AS created_on
                FROM shaped s
            )
            SELECT d.*, nextval(pg_get_serial_sequence('offers_offer', 'id')) AS id, a.id AS account_id,
                   a.owner_id, a.lead_id, a.risky, a.currency,
                   ((d.created_on + time '09:00' + mod(d.i, 480) * interval '1 minute') AT TIME ZONE %(tz)s)
                       AS created_at,
                   d.created_on + 30 AS valid_until,
                   d.created_on + 20 AS expected_close,
                   CASE d.status WHEN 'won' THEN d.created_on + 5 + {h("d.i", 7, 20)}::int
                                 WHEN 'lost' THEN d.created_on + 5 + {h("d.i", 7, 20)}::int
                                 WHEN 'expired' THEN d.created_on + 31
                                 WHEN 'withdrawn' THEN d.created_on + 10 END AS closed_on,
                   CASE WHEN d.status = 'draft' THEN 0
                        WHEN d.status = 'negotiation' THEN d.r - 1 ELSE d.r END AS approval_round
            FROM dated d JOIN bo_account a ON a.n = d.account_n
            ORDER BY d.created_on, d.i""",
            p,
        )
        made["offers"] = _sql(
            cursor,
            f"""INSERT INTO offers_offer (id, organization_id, account_id, number, title, currency, status,
                valid_until, expected_close, owner_id, technical_contact_id, value_proposition, competitors, notes,
                revision, policy_version, grade, grade_reasons, approval_round, lost_reason, lost_to, created_at,
                sent_at, closed_at)
            SELECT o.id, %(org)s, o.account_id,
                   'O' || extract(year FROM o.created_on)::int || '-' || lpad(row_number() OVER (
                       PARTITION BY extract(year FROM o.created_on) ORDER BY o.created_at, o.id)::text, 6, '0'),
                   ({TITLES})[1 + {h("o.i", 8, 8)}] || ' ' || extract(year FROM o.created_on)::int,
                   o.currency, o.status, o.valid_until, o.expected_close, o.owner_id, NULL,
                   CASE WHEN {h("o.i", 9, 3)} = 0 THEN 'Cuts the line''s downtime by a third.' ELSE '' END,
                   ({COMPETITORS})[1 + {h("o.i", 10, 5)}], '', o.r, NULL, '', '[]'::jsonb, o.approval_round,
                   CASE WHEN o.status = 'lost' THEN ({LOST_REASONS})[1 + {h("o.i", 11, 4)}] ELSE '' END,
                   CASE WHEN o.status = 'lost' THEN ({COMPETITORS})[2 + {h("o.i", 12, 4)}] ELSE '' END,
                   o.created_at,
                   CASE WHEN o.status IN ('sent', 'negotiation', 'won', 'lost', 'expired')
                        THEN o.created_at + interval '2 days' END,
                   ((o.closed_on + time '17:00') AT TIME ZONE %(tz)s)
            FROM bo_offer o ORDER BY o.id""",
            p,
        )
        _sql(
            cursor,
            """INSERT INTO offers_offerseries (organization_id, year, last_number)
            SELECT %(org)s, extract(year FROM created_on)::int, count(*) FROM bo_offer GROUP BY 2""",
            p,
        )
        _sql(
            cursor,
            """CREATE TEMP TABLE bo_revision ON COMMIT DROP AS
            SELECT nextval(pg_get_serial_sequence('offers_offerrevision', 'id')) AS id, o.id AS offer_id, o.i,
                   rn AS number, o.r, o.l, o.generous, o.owner_id, o.created_at + (rn - 1) * interval '3 days' AS moment
            FROM bo_offer o CROSS JOIN LATERAL generate_series(1, o.r) AS rn
            ORDER BY o.id, rn""",
        )
        # Lines: the same product, lead time and key in every revision; each earlier revision a
        # little more quantity (0–2) and 5 points less discount per round.
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bo_line ON COMMIT DROP AS
            WITH base AS (
                SELECT v.id AS revision_id, v.offer_id, v.number, v.r, pos,
                       {h("v.i * 64 + pos", 13, 20)} = 0 AS free,
                       1 + {h("v.i * 64 + pos", 14, products)} AS product_n,
                       (1 + {h("v.i * 64 + pos", 15, 20)} + mod(v.r - v.number, 3))::numeric(12, 3) AS quantity,
                       greatest(CASE WHEN v.generous AND pos = 1 THEN 20
                                     ELSE (ARRAY[0, 0, 5, 10])[1 + {h("v.i * 64 + pos", 16, 4)}] END
                                - 5 * (v.r - v.number), 0)::numeric(5, 2) AS discount,
                       (ARRAY[0, 7, 14, 21, 45])[1 + {h("v.i * 64 + pos", 17, 5)}] AS lead_time,
                       (200 + {h("v.i * 64 + pos", 18, 9800)})::numeric / 10 AS free_price
                FROM bo_revision v CROSS JOIN LATERAL generate_series(1, v.l) AS pos
            )
            SELECT x.*, round(x.quantity * x.list_price * (100 - x.discount) / 100, 2) AS net FROM (
            SELECT b.revision_id, b.offer_id, b.number, b.r, b.pos, b.quantity, b.discount, b.lead_time,
                   CASE WHEN b.free THEN NULL ELSE pr.id END AS product_id,
                   CASE WHEN b.free THEN 'Installation and training' ELSE pr.name END AS description,
                   CASE WHEN b.free THEN round(b.free_price, 2) ELSE pr.price END AS list_price,
                   CASE WHEN b.free THEN round(b.free_price * 0.4, 2) ELSE pr.cost END AS unit_cost,
                   CASE WHEN b.free THEN %(general_pct)s ELSE pr.pct END AS pct,
                   CASE WHEN b.free THEN %(general_rate)s ELSE pr.tax_rate_id END AS tax_rate_id
            FROM base b JOIN bo_product pr ON pr.n = b.product_n
            ) x""",
            p,
        )
        # offers.services._refresh_totals: list value and cost per line to the cent; the tax per
        # rate on the sum of its nets (billing.totals.document_totals).
        _sql(
            cursor,
            """CREATE TEMP TABLE bo_total ON COMMIT DROP AS
            SELECT revision_id, sum(list) AS list, sum(net) AS net, sum(cost) AS cost, sum(tax) AS tax FROM (
                SELECT revision_id, sum(round(quantity * list_price, 2)) AS list, sum(net) AS net,
                       sum(round(quantity * unit_cost, 2)) AS cost, round(sum(net) * pct / 100, 2) AS tax
                FROM bo_line GROUP BY revision_id, pct
            ) per_rate GROUP BY revision_id""",
        )
        _sql(cursor, "ANALYZE bo_line")
        made["revisions"] = _sql(
            cursor,
            """INSERT INTO offers_offerrevision (id, organization_id, offer_id, number, created_by_id, created_at,
                list_total, net_total, cost_total, tax_total, total)
            SELECT v.id, %(org)s, v.offer_id, v.number, v.owner_id, v.moment, t.list, t.net, t.cost, t.tax,
                   t.net + t.tax
            FROM bo_revision v JOIN bo_total t ON t.revision_id = v.id ORDER BY v.id""",
            p,
        )
        made["lines"] = _sql(
            cursor,
            """INSERT INTO offers_offerline (organization_id, revision_id, position, line_key, product_id, description,
                quantity, list_price, unit_cost, unit_price, discount_percent, tax_percent, lead_time_days, net)
            SELECT %(org)s, revision_id, pos, pos, product_id, description, quantity, list_price, unit_cost,
                   list_price, discount, pct, lead_time, net
            FROM bo_line ORDER BY revision_id, pos""",
            p,
        )
        made["current_lines"] = _sql(cursor, "SELECT 1 FROM bo_line WHERE number = r")
        made["graded"] = _grade(cursor, organization, today)
        made["approvals"] = _sql(
            cursor,
            """INSERT INTO offers_offerapproval (organization_id, offer_id, round, revision, kind, decision, comment,
                grade, reasons, decided_by_id, decided_at)
            SELECT %(org)s, o.id, k.round, k.round, kind.kind,
                   CASE WHEN o.status = 'rejected' AND k.round = o.approval_round THEN 'rejected' ELSE 'approved' END,
                   CASE WHEN o.status = 'rejected' AND k.round = o.approval_round
                        THEN 'The discount is too deep for this volume.' ELSE '' END,
                   g.grade, g.grade_reasons,
                   CASE WHEN kind.kind = 'commercial' THEN o.lead_id ELSE %(finance)s END,
                   o.created_at + (k.round - 1) * interval '3 days' + interval '1 day'
            FROM bo_offer o
            JOIN offers_offer g ON g.id = o.id
            CROSS JOIN LATERAL generate_series(1, o.approval_round) AS k(round)
            CROSS JOIN LATERAL (
                SELECT 'commercial' AS kind WHERE g.grade IN ('B', 'D')
                UNION ALL SELECT 'financial' WHERE g.grade IN ('C', 'D')
            ) kind
            WHERE g.grade <> 'A'
              AND NOT (o.status = 'submitted' AND k.round = o.approval_round)
              -- a rejection ends its round: a D offer's financial side is not decided then
              AND NOT (o.status = 'rejected' AND k.round = o.approval_round AND g.grade = 'D'
                       AND kind.kind = 'financial')
            ORDER BY o.id, k.round, kind.kind""",
            p,
        )
        made.update(_orders(cursor, p))
    return made


def _grade(cursor, organization: Organization, today) -> int:
    """Each offer graded by offers.grading on its current revision (see the module's docstring
    for the exposure it is given); written back in one UPDATE."""
    from billing.selectors_risk import account_exposure

    policy = RiskPolicy.objects.filter(organization=organization).order_by("-version").first()
    cursor.execute("SELECT id, risky FROM bo_account")
    accounts = dict(cursor.fetchall())
    exposure = account_exposure(
        organization=organization, account_ids=list(accounts), as_of=today, overdue_days=policy.overdue_tolerance_days
    )
    cursor.execute(
        """SELECT o.id, o.account_id, o.currency, t.list, t.net, t.cost, t.net + t.tax
        FROM bo_offer o JOIN bo_revision v ON v.offer_id = o.id AND v.number = o.r
        JOIN bo_total t ON t.revision_id = v.id"""
    )
    offers = cursor.fetchall()
    cursor.execute("SELECT offer_id, pos, discount FROM bo_line WHERE number = r ORDER BY offer_id, pos")
    discounts: dict[int, list] = {}
    for offer_id, position, discount in cursor.fetchall():
        discounts.setdefault(offer_id, []).append((position, discount))
    cursor.execute(
        "SELECT id, credit_limit, payment_terms_days FROM accounts_account WHERE id = ANY(%s)", [list(accounts)]
    )
    terms_of = {pk: (limit, days) for pk, limit, days in cursor.fetchall()}
    rows = []
    for offer_id, account_id, currency, list_total, net, cost, total in offers:
        owes = exposure[account_id] if accounts[account_id] else None
        limit, days = terms_of[account_id]
        terms = grading.Terms(
            currency=currency,
            credit_limit=limit,
            payment_terms_days=days,
            balance=owes.balance if owes else ZERO,
            overdue_beyond=owes.overdue_beyond if owes else ZERO,
            open_orders=ZERO,
            list_total=list_total,
            net_total=net,
            cost_total=cost,
            total=total,
            line_discounts=tuple(discounts[offer_id]),
        )
        graded = grading.grade(policy, terms)
        rows.append((offer_id, graded.grade, _json(graded.reasons)))
    from psycopg2.extras import execute_values

    cursor.execute("CREATE TEMP TABLE bo_grade (id bigint, grade text, reasons jsonb) ON COMMIT DROP")
    execute_values(cursor.cursor, "INSERT INTO bo_grade VALUES %s", rows, page_size=5000)
    return _sql(
        cursor,
        """UPDATE offers_offer o SET grade = g.grade, grade_reasons = g.reasons, policy_version = %(version)s
        FROM bo_grade g WHERE g.id = o.id""",
        {"version": policy.version},
    )


def _json(value) -> str:
    import json

    return json.dumps(value)


def _orders(cursor, p: dict) -> dict[str, int]:
    """The won offers' orders: lines, planned deliveries, deliveries and receipts."""
    h = _h
    made = {}
    _sql(
        cursor,
        f"""CREATE TEMP TABLE bo_order ON COMMIT DROP AS
        SELECT nextval(pg_get_serial_sequence('offers_order', 'id')) AS id, o.id AS offer_id, o.i, o.account_id,
               o.currency, o.owner_id, o.closed_on, v.id AS revision_id,
               CASE WHEN {h("o.i", 19, 5)} = 0 THEN 'ordered' ELSE 'delivered' END AS invoice_by
        FROM bo_offer o JOIN bo_revision v ON v.offer_id = o.id AND v.number = o.r
        WHERE o.status = 'won' ORDER BY o.closed_on, o.id""",
    )
    made["orders"] = _sql(
        cursor,
        """INSERT INTO offers_order (id, organization_id, offer_id, account_id, currency, reference, invoice_by,
            created_by_id, created_at)
        SELECT d.id, %(org)s, d.offer_id, d.account_id, d.currency, g.number, d.invoice_by, d.owner_id,
               ((d.closed_on + time '17:00') AT TIME ZONE %(tz)s)
        FROM bo_order d JOIN offers_offer g ON g.id = d.offer_id ORDER BY d.id""",
        p,
    )
    _sql(
        cursor,
        f"""CREATE TEMP TABLE bo_order_line ON COMMIT DROP AS
        SELECT nextval(pg_get_serial_sequence('offers_orderline', 'id')) AS id, d.id AS order_id, d.i, d.owner_id,
               d.closed_on, l.pos, l.product_id, l.description, l.quantity, l.list_price AS unit_price, l.discount,
               l.net, l.tax_rate_id, l.lead_time, {h("d.i * 64 + l.pos", 20, 4)} = 0 AS in_two
        FROM bo_order d JOIN bo_line l ON l.revision_id = d.revision_id ORDER BY d.id, l.pos""",
    )
    made["order_lines"] = _sql(
        cursor,
        """INSERT INTO offers_orderline (id, organization_id, order_id, position, product_id, description, quantity,
            unit_price, discount_percent, net, tax_rate_id, lead_time_days)
        SELECT id, %(org)s, order_id, pos, product_id, description, quantity, unit_price, discount, net, tax_rate_id,
               lead_time
        FROM bo_order_line ORDER BY id""",
        p,
    )
    _sql(
        cursor,
        """CREATE TEMP TABLE bo_planned ON COMMIT DROP AS
        SELECT nextval(pg_get_serial_sequence('offers_planneddelivery', 'id')) AS id, x.* FROM (
            SELECT id AS order_line_id, i, pos, owner_id, 1 AS part, closed_on + lead_time AS planned_on,
                   CASE WHEN in_two THEN round(quantity / 2, 3) ELSE quantity END AS quantity
            FROM bo_order_line
            UNION ALL
            SELECT id, i, pos, owner_id, 2, closed_on + lead_time + 14, quantity - round(quantity / 2, 3)
            FROM bo_order_line WHERE in_two
        ) x ORDER BY x.order_line_id, x.part""",
    )
    made["planned_deliveries"] = _sql(
        cursor,
        """INSERT INTO offers_planneddelivery (id, organization_id, order_line_id, planned_on, quantity)
        SELECT id, %(org)s, order_line_id, planned_on, quantity FROM bo_planned ORDER BY id""",
        p,
    )
    made["deliveries"] = _sql(
        cursor,
        f"""INSERT INTO offers_delivery (organization_id, order_line_id, delivered_on, quantity, received_quantity,
            received_on, recorded_by_id, recorded_at)
        SELECT %(org)s, order_line_id, delivered_on, quantity,
               CASE WHEN delivered_on + 3 > %(today)s::date THEN 0
                    WHEN {h("i * 128 + pos * 2 + part", 22, 25)} = 0 THEN round(quantity / 2, 3)
                    ELSE quantity END,
               CASE WHEN delivered_on + 3 > %(today)s::date THEN NULL ELSE delivered_on + 3 END,
               owner_id, ((delivered_on + time '12:00') AT TIME ZONE %(tz)s)
        FROM (
            SELECT order_line_id, i, pos, part, owner_id,
                   least(planned_on + {h("i * 128 + pos * 2 + part", 21, 5)}::int, %(today)s::date) AS delivered_on,
                   CASE WHEN {h("i * 128 + pos * 2 + part", 23, 20)} = 0 THEN round(quantity / 2, 3)
                        ELSE quantity END AS quantity
            FROM bo_planned WHERE planned_on <= %(today)s::date - 3
        ) made
        ORDER BY order_line_id, part""",
        p,
    )
    return made


def verify(organization: Organization, sample: int = 300) -> dict[str, int]:
    """What the SQL wrote, against offers' own arithmetic and rules: a sample of revisions'
    totals (billing.totals over their lines, as offers.services._refresh_totals), and, for every
    offer, a gapless number series per year, one current revision with lines, and approvals
    only by someone other than its owner; every order's lines are its offer's accepted lines."""
    rng = random.Random("bench-offers-verify")
    ids = list(OfferRevision.objects.filter(organization=organization).values_list("pk", flat=True))
    checked = rng.sample(ids, min(sample, len(ids)))
    lines: dict[int, list[OfferLine]] = {}
    for line in OfferLine.objects.filter(organization=organization, revision_id__in=checked):
        lines.setdefault(line.revision_id, []).append(line)
    wrong = 0
    for revision in OfferRevision.objects.filter(organization=organization, pk__in=checked):
        own = lines[revision.pk]
        totals = document_totals(LineAmount(li.tax_percent, li.tax_percent, li.net) for li in own)
        expected = (
            sum((cents(li.quantity * li.list_price) for li in own), ZERO),
            totals.net,
            sum((cents(li.quantity * li.unit_cost) for li in own), ZERO),
            totals.tax,
            totals.total,
        )
        actual = (revision.list_total, revision.net_total, revision.cost_total, revision.tax_total, revision.total)
        nets_right = all(li.net == line_net(li.quantity, li.unit_price, li.discount_percent) for li in own)
        if expected != actual or not nets_right:
            wrong += 1
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT
                (SELECT count(*) FROM (
                    SELECT year, last_number, (SELECT count(*) FROM offers_offer o WHERE o.organization_id = s.organization_id
                        AND o.number LIKE 'O' || s.year || '-%%') AS n,
                        (SELECT max(substr(o.number, 7)::int) FROM offers_offer o WHERE o.organization_id = s.organization_id
                        AND o.number LIKE 'O' || s.year || '-%%') AS top
                    FROM offers_offerseries s WHERE s.organization_id = %(org)s) y
                 WHERE n <> last_number OR top <> last_number),
                (SELECT count(*) FROM offers_offer o WHERE o.organization_id = %(org)s AND NOT EXISTS (
                    SELECT 1 FROM offers_offerrevision v JOIN offers_offerline l ON l.revision_id = v.id
                    WHERE v.offer_id = o.id AND v.number = o.revision)),
                (SELECT count(*) FROM offers_offerapproval a JOIN offers_offer o ON o.id = a.offer_id
                 WHERE a.organization_id = %(org)s AND a.decided_by_id = o.owner_id),
                (SELECT count(*) FROM offers_order d JOIN offers_offer o ON o.id = d.offer_id
                 WHERE d.organization_id = %(org)s AND (SELECT count(*) FROM offers_orderline ol WHERE ol.order_id = d.id)
                    <> (SELECT count(*) FROM offers_offerline l JOIN offers_offerrevision v ON v.id = l.revision_id
                        WHERE v.offer_id = o.id AND v.number = o.revision))""",
            {"org": organization.pk},
        )
        gaps, without_lines, own_approvals, orders_unlike_offer = cursor.fetchone()
    return {
        "revisions_checked": len(checked),
        "wrong_totals": wrong,
        "series_with_gaps": gaps,
        "offers_without_current_lines": without_lines,
        "approved_by_owner": own_approvals,
        "orders_unlike_their_offer": orders_unlike_offer,
    }


def _editor_offer(organization: Organization, accounts) -> tuple[int, str, tuple[int, ...]]:
    offer = (
        Offer.objects.filter(organization=organization, account_id__in=accounts, status="negotiation")
        .annotate(lines=Count("revisions__lines", filter=Q(revisions__number=F("revision"))))
        .filter(lines=EDITOR_LINES)
        .select_related("owner__user")
        .order_by("created_at", "id")
        .first()
    )
    line_ids = tuple(
        OfferLine.objects.filter(organization=organization, revision__offer=offer, revision__number=offer.revision)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    return offer.pk, offer.owner.user.email, line_ids


def tenant_facts(organization: Organization, busiest_account_id: int) -> OffersTenant:
    """What the measurements need: the two editor's offers with 50 lines (an ordinary account's,
    the busiest account's), their owners and lines; the first sales lead, who has offers waiting."""
    others = Account.objects.filter(organization=organization).exclude(pk=busiest_account_id).values("pk")
    ordinary = _editor_offer(organization, others)
    busiest = _editor_offer(organization, [busiest_account_id])
    return OffersTenant(
        organization=organization,
        finance_email=f"admin@{SLUG}.bench",
        editor_offer_id=ordinary[0],
        editor_owner_email=ordinary[1],
        editor_line_ids=ordinary[2],
        busiest_offer_id=busiest[0],
        busiest_owner_email=busiest[1],
        busiest_line_ids=busiest[2],
        lead_email=f"lead0@{SLUG}.bench",
    )


def generate_offers() -> OffersTenant:
    """Build (once) and describe the offers of the billing bench tenant (built first if needed)."""
    billing = generate_billing()
    organization = billing.organization
    started = time.monotonic()
    with transaction.atomic(), tenant_scope(organization):
        made = build_offers(organization, billing.busiest_account_id)
    if made:
        print(
            f"# offers of {SLUG} ready in {time.monotonic() - started:.1f}s: "
            + ", ".join(f"{n} {what}" for what, n in made.items()),
            flush=True,
        )
        started = time.monotonic()
        analyze()
        print(f"# statistics analyzed in {time.monotonic() - started:.1f}s", flush=True)
    with transaction.atomic(), tenant_scope(organization):
        return tenant_facts(organization, billing.busiest_account_id)
