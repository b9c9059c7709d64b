from django.db import transaction
from django.test import Client

from tenancy.models import Membership
from tenancy.scope import tenant_scope
from tenancy.tasks import send_welcome_email
from tests.conftest import wait_for


def test_a_new_person_gets_a_welcome_mail_from_the_real_worker(tworld, celery_worker_process):
    # given an admin adding a new person through the page (the task is queued on commit)
    client = Client()
    client.force_login(tworld.porta.admin.user)
    client.post("/o/porta/people/", {"email": "gemma@example.com", "full_name": "Gemma Riera", "roles": ["finance"]})
    # when the worker process takes it from Redis
    mails = wait_for(
        lambda: [p for p in celery_worker_process.mail_dir.iterdir() if "gemma@example.com" in p.read_text()]
    )
    # then the mail is in the organisation's language with a link to set a password
    text = mails[0].read_text()
    assert "Subject: You have been added to Porta Digital on AccountDesk" in text
    assert "Hello Gemma Riera," in text and "http://127.0.0.1:8000/password-reset/" in text


def test_the_tenant_task_runs_inside_its_organisation_and_ignores_an_unknown_one(world):
    with transaction.atomic(), tenant_scope(world.porta.org):
        membership_id = Membership.objects.get(user__email="ae@porta.example").pk
    # a porta membership id asked for under nordwind's organisation finds nothing
    assert (
        send_welcome_email.apply(
            kwargs={"organization_id": world.nordwind.org.pk, "membership_id": membership_id}
        ).get()
        is False
    )
    assert send_welcome_email.apply(kwargs={"organization_id": 999999, "membership_id": membership_id}).get() is None
    assert (
        send_welcome_email.apply(kwargs={"organization_id": world.porta.org.pk, "membership_id": membership_id}).get()
        is True
    )


def test_the_invitation_mail_names_the_organisation_and_the_page_to_answer_and_nothing_else(world):
    from django.core import mail

    from tenancy.tasks import send_invitation_email

    # given porta's invitation; asked for under nordwind, it finds nothing
    invitation = world.porta.invitation
    assert (
        send_invitation_email.apply(
            kwargs={"organization_id": world.nordwind.org.pk, "invitation_id": invitation.pk}
        ).get()
        is False
    )
    # when
    sent = send_invitation_email.apply(kwargs={"organization_id": world.porta.org.pk, "invitation_id": invitation.pk})
    # then
    assert sent.get() is True
    message = mail.outbox[0]
    assert (message.to, message.subject) == (
        ["invitee@porta-elsewhere.example"],
        "You are invited to join Porta Digital on AccountDesk",
    )
    assert "http://127.0.0.1:8000/invitations/" in message.body and "Admin Porta" not in message.body
