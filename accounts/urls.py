"""Pages under /o/<org_slug>/ for accounts (TenantMiddleware has resolved the organisation)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/export.csv", views.portfolio_export, {"fmt": "csv"}, name="portfolio_export_csv"),
    path("portfolio/export.xlsx", views.portfolio_export, {"fmt": "xlsx"}, name="portfolio_export_xlsx"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:account_id>/reassign/", views.account_reassign, name="account_reassign"),
    path("accounts/<int:account_id>/risk/", views.account_risk, name="account_risk"),
    path("accounts/<int:account_id>/team/", views.account_team_add, name="account_team_add"),
    path("accounts/<int:account_id>/activities/", views.account_activities, name="account_activities"),
    path("accounts/<int:account_id>/audit/", views.account_audit, name="account_audit"),
    path("accounts/<int:account_id>/objectives/", views.objective_create, name="objective_create"),
    path("accounts/<int:account_id>/incidents/", views.incident_create, name="incident_create"),
    path("clients/<int:client_id>/accounts/", views.client_accounts, name="client_accounts"),
    path("account-team/<int:member_id>/remove/", views.account_team_remove, name="account_team_remove"),
    path("activities/<int:activity_id>/", views.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/done/", views.activity_done, name="activity_done"),
    path("objectives/<int:objective_id>/actuals/", views.objective_actual, name="objective_actual"),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/export.csv", views.incidents_export, {"fmt": "csv"}, name="incidents_export_csv"),
    path("incidents/export.xlsx", views.incidents_export, {"fmt": "xlsx"}, name="incidents_export_xlsx"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident_detail"),
    path("my-day/", views.my_day, name="my_day"),
    path("search/", views.search, name="search"),
    path("settings/portfolio/", views.portfolio_settings, name="portfolio_settings"),
]
