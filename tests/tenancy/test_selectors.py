from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.models import Organization
from tenancy.selectors import one_or_none


def test_one_or_none_reads_the_one_row_of_a_unique_key_without_ordering(world):
    # given / when
    with CaptureQueriesContext(connection) as queries:
        found = one_or_none(Organization.objects.filter(slug="porta"))
        missing = one_or_none(Organization.objects.filter(slug="no-such-organisation"))
    # then
    assert (found, missing) == (world.porta.org, None)
    assert [("ORDER BY" in q["sql"], q["sql"].endswith("LIMIT 1")) for q in queries.captured_queries] == [
        (False, True),
        (False, True),
    ]
