"""Pages under /o/<org_slug>/: TenantMiddleware has resolved the organisation and membership."""

from django.urls import path

from tenancy import views

urlpatterns = [
    path("", views.org_home, name="org_home"),
    path("organizations/", views.organization_switcher, name="organization_switcher"),
    path("preferences/", views.preferences, name="preferences"),
    path("people/", views.people, name="people"),
    path("people/<int:membership_id>/", views.person_edit, name="person_edit"),
    path("people/<int:membership_id>/active/", views.person_set_active, name="person_set_active"),
    path("people/invitations/<int:invitation_id>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/delete/", views.team_delete, name="team_delete"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("exports/<int:export_id>/", views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
