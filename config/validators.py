"""Field validators every app shares. Dates and times people type are bounded: a year 1 date
stored in a far-east time zone becomes a BC date Python cannot read back, a year 9999 one
overflows when a duration is added, and dates before 1901 leave the API with local-mean-time
offsets (-00:14:44) that are not RFC 3339."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
EARLIEST_DATETIME = datetime.datetime(1900, 1, 2, tzinfo=datetime.UTC)
LATEST_DATETIME = datetime.datetime(2100, 12, 31, tzinfo=datetime.UTC)

sane_date = [
    MinValueValidator(EARLIEST_DATE, message=_("Enter a date from 1900 to 2100.")),
    MaxValueValidator(LATEST_DATE, message=_("Enter a date from 1900 to 2100.")),
]
sane_datetime = [
    MinValueValidator(EARLIEST_DATETIME, message=_("Enter a date from 1900 to 2100.")),
    MaxValueValidator(LATEST_DATETIME, message=_("Enter a date from 1900 to 2100.")),
]
