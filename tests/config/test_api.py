from django.utils import translation

from accounts.filters import ActivityFilter
from config.api import filter_parameters


def test_the_schemas_filter_descriptions_are_in_the_default_language_whoever_imports_the_api_first():
    # given: the API modules are imported during someone's first request, in their language
    with translation.override("es"):
        # when
        parameters = filter_parameters(ActivityFilter)
    # then
    assert [(p.name, p.description) for p in parameters] == [
        ("account", "Account"),
        ("kind", "Type"),
        ("next_step_owner", "Next step owner"),
        ("open_next_step", "Has a next step not done yet"),
        ("occurred_after", "Happened at or after"),
        ("occurred_before", "Happened before"),
    ]


def test_every_operation_documents_its_refusals_in_the_one_error_shape():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    answers = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            refusals = {code: r.get("content") for code, r in operation["responses"].items() if code >= "400"}
            assert all(content == error for content in refusals.values()), (method, path, refusals)
            answers[f"{method.upper()} {path}"] = sorted(refusals)
    # 400 wherever an operation reads a body or query parameters; 401, 403 and 404 everywhere
    assert answers["GET /api/v1/o/{org_slug}/me/"] == ["401", "403", "404"]
    assert answers["GET /api/v1/o/{org_slug}/accounts/"] == ["400", "401", "403", "404"]
    assert answers["PATCH /api/v1/o/{org_slug}/accounts/{account_id}/"] == ["400", "401", "403", "404"]
    assert answers["DELETE /api/v1/o/{org_slug}/teams/{team_id}/"] == ["401", "403", "404"]
    # 409 only where a document's state refuses the change: an issued invoice, a reversed
    # payment, an offer whose stage does not allow it
    assert answers["POST /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/issue/"] == [
        "400",
        "401",
        "403",
        "404",
        "409",
    ]
    assert sorted(op for op, codes in answers.items() if "409" in codes) == [
        "DELETE /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/",
        "DELETE /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/lines/{line_id}/",
        "PATCH /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/",
        "PATCH /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/lines/{line_id}/",
        "POST /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/issue/",
        "POST /api/v1/o/{org_slug}/billing/invoices/{invoice_id}/lines/",
        "POST /api/v1/o/{org_slug}/billing/payments/{payment_id}/allocate/",
        "POST /api/v1/o/{org_slug}/billing/payments/{payment_id}/reverse/",
        "POST /api/v1/o/{org_slug}/offers/orders/{order_id}/invoice/",
        *(
            f"POST /api/v1/o/{{org_slug}}/offers/{{offer_id}}/{operation}/"
            for operation in ("decide", "lines", "lose", "revise", "send", "submit", "win", "withdraw")
        ),
    ]
    assert {code for codes in answers.values() for code in codes} == {"400", "401", "403", "404", "409"}
    assert document["components"]["schemas"]["Error"]["properties"]["error"]["required"] == [
        "code",
        "message",
        "fields",
    ]
