"""Spanish as AccountDesk writes it: Django's own "es" formats, but numbers grouped with a point,
"1.500,00", as Spanish invoices, banks and spreadsheets write them, instead of Django's no-break
space. Money and amounts are written by Babel (tenancy.text), whose Spanish groups with a point
too; this keeps what Django itself localises the same. Catalan already does. Everything not set
here is Django's."""

THOUSAND_SEPARATOR = "."
