"""Every operation of the OpenAPI document, fuzzed by schemathesis as each of two organisations'
API tokens: no server error, every answer's status documented, every body in its documented
shape (refusals included: config.api.document_error_answers), and no row of the other
organisation answered to.

Bounded and repeatable: EXAMPLES cases per operation and organisation, valid and invalid ones
(schemathesis' positive and negative modes), from a fixed seed. Path ids are the organisation's
own rows, the other organisation's rows, or any number. To look further, by hand:
API_FUZZ_EXAMPLES=200 API_FUZZ_RANDOM=1 pytest tests/config/test_api_schema.py"""

from __future__ import annotations

import os

import pytest
import schemathesis
import yaml
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

DOCUMENT = SchemaGenerator().get_schema(request=None, public=True)
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
RANDOM = os.environ.get("API_FUZZ_RANDOM", "") == "1"
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
# Each path parameter's row in tests.factories.build_organization.
ROWS = {
    "account_id": "account",
    "activity_id": "activity",
    "client_id": "client",
    "contact_id": "contact",
    "incident_id": "incident",
    "membership_id": "ae",
    "objective_id": "objective",
    "team_id": "team",
    "token_id": "token",
    "member_id": "account_member",
    "product_id": "product",
    "payment_id": "payment",
    "invoice_id": "invoice",
    "line_id": "invoice_line",
    "credit_note_id": "credit_note",
    "offer_id": "offer",
    "order_id": "order",
    "order_line_id": "order_line",
    "delivery_id": "delivery",
}
# Defects this test finds are fixed, not excluded: (operation, check) -> why, while one is open.
EXCLUDED: dict[tuple[str, str], str] = {}


def test_the_fuzzed_document_is_the_one_the_api_serves(db):
    served = yaml.safe_load(Client().get("/api/schema/").content)
    assert served == DOCUMENT


@pytest.fixture
def app():
    """Django's WSGI application, called in this thread and so inside the test's transaction,
    as Django's test client does (and, like it, without closing the connection per request)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _path_ids(operation, own, other) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            p.name: st.one_of(
                st.just(getattr(own, ROWS[p.name]).pk),
                st.just(getattr(other, ROWS[p.name]).pk),
                st.integers(min_value=1, max_value=2**31 - 1),
            )
            for p in operation.path_parameters
            if p.name != "org_slug"
        }
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
@pytest.mark.parametrize("slug", ["porta", "nordwind"])
def test_every_operation_answers_in_its_documented_shape(world, app, slug, operation):
    own, other = (world.porta, world.nordwind) if slug == "porta" else (world.nordwind, world.porta)
    others = {getattr(other, row).pk for row in ROWS.values()} - {getattr(own, row).pk for row in ROWS.values()}
    checks = [check for check in CHECKS if (operation.label, check.__name__) not in EXCLUDED]
    headers = {"Authorization": f"Bearer {own.token_secret}"}

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(data):
        ids = data.draw(_path_ids(operation, own, other), label="path ids")
        case = data.draw(
            operation.as_strategy(
                data.draw(st.sampled_from(MODES), label="mode"),
                path_parameters={"org_slug": own.org.slug, **ids},
                headers=headers,
            )
        )
        response = case.call(app=app)
        case.validate_response(response, checks=checks)
        if set(ids.values()) & others:
            assert response.status_code >= 400, f"{case.as_curl_command()} answered {response.status_code}"

    answers_as_documented()
