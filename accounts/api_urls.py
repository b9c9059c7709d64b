from django.urls import path

from accounts import api

urlpatterns = [
    path("accounts/", api.AccountListApi.as_view(), name="api-accounts"),
    path("accounts/<int:account_id>/", api.AccountDetailApi.as_view(), name="api-account"),
    path("accounts/<int:account_id>/audit/", api.AccountAuditApi.as_view(), name="api-account-audit"),
    path("account-team/", api.AccountTeamListApi.as_view(), name="api-account-team"),
    path("account-team/<int:member_id>/", api.AccountTeamMemberDetailApi.as_view(), name="api-account-team-member"),
    path("objectives/", api.ObjectiveListApi.as_view(), name="api-objectives"),
    path("objectives/<int:objective_id>/", api.ObjectiveDetailApi.as_view(), name="api-objective"),
    path("objectives/<int:objective_id>/actuals/", api.ObjectiveActualApi.as_view(), name="api-objective-actuals"),
    path("activities/", api.ActivityListApi.as_view(), name="api-activities"),
    path("activities/<int:activity_id>/", api.ActivityDetailApi.as_view(), name="api-activity"),
    path("incidents/", api.IncidentListApi.as_view(), name="api-incidents"),
    path("incidents/<int:incident_id>/", api.IncidentDetailApi.as_view(), name="api-incident"),
]
