from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from tenancy import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/", views.invitation_answer, name="invitation_answer"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="tenancy/password_reset.html",
            email_template_name="tenancy/email/password_reset_body.txt",
            subject_template_name="tenancy/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="tenancy/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="tenancy/password_reset_confirm.html", success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="tenancy/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
