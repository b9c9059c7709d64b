"""The risk policy's page under /o/<org_slug>/billing/risk-policy/ (TenantMiddleware has resolved
the organisation)."""

from django.urls import path

from billing import views_risk as views

urlpatterns = [
    path("billing/risk-policy/", views.risk_policy, name="risk_policy"),
]
