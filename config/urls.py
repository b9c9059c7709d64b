from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from tenancy.admin import admin_site

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin_site.urls),
    path(
        "api/schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="api-schema"
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[], authentication_classes=[]),
        name="api-docs",
    ),
    path("api/v1/o/<slug:org_slug>/", include("tenancy.api_urls")),
    path("api/v1/o/<slug:org_slug>/", include("clients.api_urls")),
    path("api/v1/o/<slug:org_slug>/", include("accounts.api_urls")),
    path("api/v1/o/<slug:org_slug>/", include("catalog.api_urls")),
    path("api/v1/o/<slug:org_slug>/", include("billing.api_urls_payments")),
    path("api/v1/o/<slug:org_slug>/", include("billing.api_urls_receivables")),
    path("api/v1/o/<slug:org_slug>/", include("billing.api_urls")),
    path("api/v1/o/<slug:org_slug>/", include("billing.api_urls_statements")),
    path("api/v1/o/<slug:org_slug>/", include("billing.api_urls_risk")),
    path("api/v1/o/<slug:org_slug>/", include("offers.api_urls")),
    path("o/<slug:org_slug>/", include("tenancy.tenant_urls")),
    path("o/<slug:org_slug>/", include("clients.urls")),
    path("o/<slug:org_slug>/", include("accounts.urls")),
    path("o/<slug:org_slug>/", include("catalog.urls")),
    path("o/<slug:org_slug>/", include("billing.urls_payments")),
    path("o/<slug:org_slug>/", include("billing.urls_receivables")),
    path("o/<slug:org_slug>/", include("billing.urls")),
    path("o/<slug:org_slug>/", include("billing.urls_statements")),
    path("o/<slug:org_slug>/", include("billing.urls_risk")),
    path("o/<slug:org_slug>/", include("offers.urls")),
    path("o/<slug:org_slug>/", include("offers.urls_orders")),
    path("", include("tenancy.urls")),
]
