"""A route that writes and then fails, to prove the tenant transaction rolls back on a 500."""

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import include, path

from tenancy.models import Team


def write_then_fail(request, org_slug):
    Team.objects.create(organization=request.organization, name="Half-written")
    raise RuntimeError("boom")


def lazy_page(request, org_slug):
    # A TemplateResponse renders after the view returns: it must still be inside the scope.
    return TemplateResponse(request, "tests/team_names.html", {"teams": Team.objects.order_by("name")})


def write_then_refuse(request, org_slug):
    Team.objects.create(organization=request.organization, name="Half-written")
    return HttpResponse("refused", status=400)


def ok(request, org_slug):
    return HttpResponse("ok")


urlpatterns = [
    path("o/<slug:org_slug>/boom/", write_then_fail),
    path("o/<slug:org_slug>/lazy/", lazy_page),
    path("o/<slug:org_slug>/refuse/", write_then_refuse),
    path("", include("config.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
