"""Spanish as AccountDesk writes it: Django's own "es" formats, but amounts grouped with a point,
"1.500,00 €", as Spanish invoices, banks and spreadsheets write them (and CLDR's es), instead of
Django's no-break space. Catalan already does. Everything not set here is Django's."""

THOUSAND_SEPARATOR = "."
