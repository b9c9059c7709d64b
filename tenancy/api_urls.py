from django.urls import path

from tenancy import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("memberships/", api.MembershipListApi.as_view(), name="api-memberships"),
    path("memberships/<int:membership_id>/", api.MembershipDetailApi.as_view(), name="api-membership"),
    path("teams/", api.TeamListApi.as_view(), name="api-teams"),
    path("teams/<int:team_id>/", api.TeamDetailApi.as_view(), name="api-team"),
    path("tokens/", api.TokenListApi.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", api.TokenDetailApi.as_view(), name="api-token"),
]
