"""Offers' background work: expiry (beat, daily) and mailing an offer to the client."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from celery import shared_task
from django.utils import timezone

from offers import services
from tenancy.models import Organization
from tenancy.tasks import tenant_task


@shared_task(acks_late=True, ignore_result=True)
def offers_expire_daily(today: str | None = None) -> list[int]:
    """Daily (beat): one task per organisation expires its open offers past their valid-until
    date, by the organisation's own calendar. `today` (ISO) stands for every organisation's."""
    organizations = list(Organization.objects.filter(is_active=True).order_by("id").values_list("pk", "time_zone"))
    for organization_id, time_zone in organizations:
        day = today or timezone.localdate(timezone=ZoneInfo(time_zone)).isoformat()
        offers_expire.delay(organization_id=organization_id, today=day)
    return [pk for pk, _zone in organizations]


@tenant_task
def offers_expire(*, organization: Organization, today: str) -> int:
    """Expire the organisation's open offers valid until before `today`; idempotent."""
    return services.offers_expire(organization=organization, today=date.fromisoformat(today))


@tenant_task
def offer_sending_deliver(*, organization: Organization, sending_id: int) -> bool:
    """Mail an offer sent by mail (recorded by offers.services.offer_send); once."""
    return services.offer_sending_deliver(organization=organization, sending_id=sending_id)
