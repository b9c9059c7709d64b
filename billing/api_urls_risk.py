from django.urls import path

from billing import api_risk as api

urlpatterns = [
    path("billing/risk-policy/", api.RiskPolicyApi.as_view(), name="api-risk-policy"),
    path("billing/risk-policy/versions/", api.RiskPolicyVersionListApi.as_view(), name="api-risk-policy-versions"),
]
