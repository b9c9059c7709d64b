"""Sending an offer: mailed to the client's contact (the PDF of the revision sent, in their
language, replies to the AE), once; or marked as sent when it went another way."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from django.core import mail
from django.db import transaction

from clients.models import Contact
from offers import services
from offers.models import Offer, OfferSending
from offers.tasks import offer_sending_deliver
from tenancy.scope import tenant_scope
from tests.conftest import wait_for
from tests.factories import post_unchanged, send_json, signed_in


def _speaks(p, language: str) -> None:
    with tenant_scope(p.org):
        Contact.objects.filter(pk=p.contact.pk).update(language=language)


def test_an_approved_offer_is_mailed_once_with_its_pdf_in_the_contacts_language(world):
    p = world.porta
    _speaks(p, "ca")
    browser = signed_in(p.ae)
    page = browser.get(f"/o/porta/offers/{p.offer.pk}/").content.decode()
    assert 'value="contact@porta-client.example"' in page and '<option value="ca" selected>' in page
    response = browser.post(
        f"/o/porta/offers/{p.offer.pk}/send/",
        {"send-email": "contact@porta-client.example", "send-language": "", "send-message": "As agreed.", "mail": "1"},
    )
    assert response.status_code == 302
    with tenant_scope(p.org):
        offer = Offer.objects.get(pk=p.offer.pk)
        sending = OfferSending.objects.get(offer=offer)
    assert offer.status == "sent"
    assert (sending.revision, sending.recipient_name, sending.recipient_email, sending.language, sending.sent_at) == (
        1,
        "Contact Porta",
        "contact@porta-client.example",
        "ca",
        None,
    )
    with tenant_scope(p.org):
        assert offer_sending_deliver(organization_id=p.org.pk, sending_id=sending.pk) is True
        assert offer_sending_deliver(organization_id=p.org.pk, sending_id=sending.pk) is False
    (message,) = mail.outbox
    assert (message.to, message.reply_to) == (["contact@porta-client.example"], [p.ae.user.email])
    assert message.subject == f"Oferta {offer.number} · Porta sensors · Porta Digital"
    assert message.body == (
        "Hola, Contact Porta:\n\nAs agreed.\n\n"
        f"Adjuntem la nostra oferta {offer.number}, «Porta sensors», vàlida fins al {offer.valid_until:%d/%m/%Y}.\n\n"
        "Total, impostos inclosos: 1.318,90\xa0€.\n\nAe Porta\nPorta Digital\n"
    )
    ((name, content, kind),) = message.attachments
    assert (name, kind, content[:5]) == (f"{offer.number}.pdf", "application/pdf", b"%PDF-")


def test_marked_as_sent_it_is_not_mailed(world):
    p = world.porta
    response = signed_in(p.ae).post(f"/o/porta/offers/{p.offer.pk}/send/")
    assert response.status_code == 302
    with tenant_scope(p.org):
        assert Offer.objects.get(pk=p.offer.pk).status == "sent"
        assert OfferSending.objects.filter(offer=p.offer).count() == 0


def test_mailing_needs_a_valid_address_and_a_refusal_changes_nothing(world):
    p = world.porta
    for address, said in (("", "This field is required."), ("someone@", "Enter a valid email address.")):
        response, unchanged = post_unchanged(
            p.ae, f"/o/porta/offers/{p.offer.pk}/send/", {"send-email": address, "mail": "1"}
        )
        assert (response.status_code, unchanged) == (400, True)
        assert said in response.content.decode()


def test_an_offer_waiting_for_approval_is_not_mailed(world):
    p = world.porta
    with tenant_scope(p.org):
        offer = services.offer_create(
            organization=p.org,
            actor=p.ae,
            account=p.account,
            title="Deep discount",
            lines=[{"product": p.product, "quantity": 1, "discount_percent": 30}],
        )
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
    response, unchanged = post_unchanged(
        p.ae, f"/o/porta/offers/{offer.pk}/send/", {"send-email": "contact@porta-client.example", "mail": "1"}
    )
    assert (response.status_code, unchanged) == (400, True)
    page = response.content.decode()
    assert "This offer waits for approval: it cannot be sent yet." in page


def test_the_api_mails_an_offer_in_the_language_asked_for(world):
    p = world.porta
    browser = signed_in(p.ae)
    url = f"/api/v1/o/porta/offers/{p.offer.pk}/send/"
    response = send_json(browser, "post", url, {"mail_to": "buyer@porta-client.example", "language": "es"})
    assert (response.status_code, response.json()["status"]) == (200, "sent")
    with tenant_scope(p.org):
        sending = OfferSending.objects.get(offer=p.offer)
    assert (sending.recipient_name, sending.recipient_email, sending.language) == (
        "",
        "buyer@porta-client.example",
        "es",
    )


def test_the_api_refuses_a_language_it_does_not_speak(world):
    p = world.porta
    browser = signed_in(p.ae)
    response = send_json(
        browser, "post", f"/api/v1/o/porta/offers/{p.offer.pk}/send/", {"mail_to": "a@b.example", "language": "fr"}
    )
    assert response.status_code == 400
    with tenant_scope(p.org):
        assert (Offer.objects.get(pk=p.offer.pk).status, OfferSending.objects.filter(offer=p.offer).count()) == (
            "approved",
            0,
        )


def test_the_worker_mails_the_offer_once_it_is_sent(tworld, celery_worker_process):
    p = tworld.porta
    mail_dir = Path(celery_worker_process.mail_dir)
    before = set(mail_dir.iterdir())
    with transaction.atomic(), tenant_scope(p.org):
        offer = Offer.objects.get(pk=p.offer.pk)
        services.offer_send(organization=p.org, actor=p.ae, offer=offer, mail_to="contact@porta-client.example")

    def mails():
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in set(mail_dir.iterdir()) - before
        ]

    wait_for(lambda: len(mails()) == 1, timeout=120)
    (message,) = mails()
    assert message["To"] == "contact@porta-client.example"
    assert message["Subject"].strip() == f"Oferta {offer.number} · Porta sensors · Porta Digital"  # porta speaks ca
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"{offer.number}.pdf"
    with transaction.atomic(), tenant_scope(p.org):
        assert OfferSending.objects.get(offer=offer).sent_at is not None
