"""The demo portfolio behind `manage.py seed_demo`: clients, contacts, accounts, account teams,
objectives, a year of activities and incidents, so each demo organisation feels lived in.

Everything goes through the services, so search text, audit rows and `last_activity_at` are
what the product itself writes. Two things the services stamp with "now" are moved back in
time afterwards, because a demo with every next step done and every incident resolved at
seed time would tell a false story: `Activity.next_step_done_at` and `Incident.resolved_at`.

Deterministic for a given `rng` and day: dates are relative to today in the organisation's
time zone, everything else comes from `rng`.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from django.utils import timezone
from stdnum.es import cif as es_cif

from accounts import services
from accounts.models import Account, AccountRole, Activity, Incident, Metric, Objective, Severity
from accounts.selectors import portfolio_settings
from clients import services as clients_services
from clients.models import BuyingRole, Client, Contact
from tenancy.models import Membership, Organization, Team

# --- Tax ids ------------------------------------------------------------------------------

# CIF letters by legal form: A sociedad anónima, B limitada, F cooperativa, G asociación o fundación.
LEGAL_FORM_LETTERS = [
    ("S.Coop", "F"),
    ("SCCL", "F"),
    ("S.A.", "A"),
    ("SA", "A"),
    ("S.L.", "B"),
    ("SL", "B"),
    ("Fundació", "G"),
    ("Associació", "G"),
]


def cif_control(letter: str, digits: str) -> str:
    """The CIF control character for a letter and seven digits (province, then serial).

    Digits in even positions are added; digits in odd positions are doubled and their own
    digits added; the control digit completes the total to a multiple of ten. Companies
    (A, B, E, H) use the digit; public bodies and foreign entities (K, P, Q, S, N, W) the
    letter at that index of "JABCDEFGHI"; the rest may use either, we use the digit."""
    total = sum(int(d) for d in digits[1::2])
    total += sum(sum(divmod(2 * int(d), 10)) for d in digits[0::2])
    control = (10 - total % 10) % 10
    return "JABCDEFGHI"[control] if letter in "KPQSNW" else str(control)


def make_cif(letter: str, province: str, serial: int) -> str:
    digits = f"{province}{serial:05d}"
    number = f"{letter}{digits}{cif_control(letter, digits)}"
    if not es_cif.is_valid(number):  # a bug here would seed clients the product itself rejects
        raise AssertionError(f"invalid CIF generated: {number}")
    return number


def cif_letter(legal_name: str) -> str:
    for marker, letter in LEGAL_FORM_LETTERS:
        if marker in legal_name:
            return letter
    return "B"


# --- What each demo organisation's world looks like -------------------------------------------


@dataclass(frozen=True)
class DemoWorld:
    language: str  # contacts' main language
    other_languages: list[str]
    domain_suffix: str
    # city -> (CIF province codes, phone prefix)
    cities: dict[str, tuple[list[str], str]]
    # (legal name, trade name, sector, size band, city)
    clients: list[tuple[str, str, str, str, str]]
    women: list[str]
    men: list[str]
    surnames: list[str]
    # (title for a man, title for a woman, buying role)
    job_titles: list[tuple[str, str, str]]
    # base weights: price, time to market, delivery time, quality
    value_profile: tuple[int, int, int, int]
    notes: list[str]
    prospect_notes: list[str]
    former_notes: list[str]
    account_lines: list[str]
    credit_limits: tuple[int, int, int]  # low, high, step
    payment_terms: list[int]
    revenue_per_year: tuple[int, int]  # low, high per account, EUR
    custom_metrics: list[tuple[str, int, int]]  # name, yearly target low, high
    topics: list[str]
    summaries: dict[str, list[str]]
    finance_summaries: list[str]
    outcomes: list[str]
    finance_outcomes: list[str]
    next_steps: list[str]
    incidents: list[tuple[str, str]]  # title, description
    months: list[str]
    # Article contractions after filling templates: "de el" is "del" in both languages.
    contractions: list[tuple[str, str | None]]


PORTA = DemoWorld(
    language="ca",
    other_languages=["es", "es", "en", "fr"],
    domain_suffix="example",
    cities={
        "Barcelona": (["08", "58", "59", "60", "61", "62", "63", "64", "65", "66", "67", "68"], "93"),
        "Sants-Montjuïc": (["08", "60", "62"], "93"),
        "l'Hospitalet de Llobregat": (["08", "61", "63"], "93"),
        "Badalona": (["08", "64"], "93"),
        "Sabadell": (["08", "65"], "93"),
        "Terrassa": (["08", "66"], "93"),
        "Sant Cugat del Vallès": (["08", "67"], "93"),
        "Mataró": (["08", "59"], "93"),
        "Granollers": (["08", "58"], "93"),
        "Manresa": (["08", "68"], "93"),
        "Vic": (["08", "62"], "93"),
        "Girona": (["17", "55"], "972"),
        "Lleida": (["25"], "973"),
        "Tarragona": (["43", "77"], "977"),
        "Reus": (["43", "77"], "977"),
    },
    clients=[
        ("Celler Mas Oliveres, SL", "Celler Mas Oliveres", "food", "small", "Reus"),
        ("Forns Vilaró i Fills, SL", "Forn Vilaró", "food", "small", "Vic"),
        ("Hotel Mirador de Montjuïc, SA", "Hotel Mirador", "hospitality", "medium", "Sants-Montjuïc"),
        ("Clínica Dental Riera, SLP", "Clínica Dental Riera", "healthcare", "micro", "Sabadell"),
        ("Teixits Comas, SA", "Teixits Comas", "manufacturing", "medium", "Terrassa"),
        ("Llibreria La Garba, SCCL", "La Garba", "retail", "micro", "Girona"),
        ("Escola Bressol El Niu, SL", "El Niu", "education", "micro", "Sant Cugat del Vallès"),
        ("Cooperativa Agrícola del Segrià, SCCL", "Fruites del Segrià", "food", "medium", "Lleida"),
        ("Embotits Casals, SL", "Embotits Casals", "food", "small", "Vic"),
        ("Mobles Serra Manresa, SL", "Mobles Serra", "retail", "small", "Manresa"),
        ("Cerveses del Montseny, SL", "Cervesa Montseny", "food", "small", "Granollers"),
        ("Nàutica Costa Daurada, SL", "Nàutica Costa Daurada", "retail", "small", "Tarragona"),
        ("Klikdata Analytics, SL", "Klikdata", "technology", "small", "Barcelona"),
        ("Laboratoris Bioquímics del Vallès, SA", "BioVallès", "healthcare", "medium", "Sabadell"),
        ("Logística Maresme, SL", "Logística Maresme", "logistics", "medium", "Mataró"),
        ("Òptica Ribes Badalona, SL", "Òptica Ribes", "retail", "micro", "Badalona"),
        ("Finques Rambla del Vallès, SL", "Rambla Finques", "construction", "small", "Sabadell"),
        ("Acadèmia d'Idiomes Babel, SL", "Babel Idiomes", "education", "micro", "Girona"),
        ("Torrons i Xocolates Ribó, SA", "Torrons Ribó", "food", "medium", "Lleida"),
        ("Palau i Batlle Arquitectes, SLP", "Palau Batlle Arquitectes", "professional", "micro", "Barcelona"),
        ("Assessoria Grau i Associats, SL", "Assessoria Grau", "professional", "small", "Terrassa"),
        ("Hostal de la Plaça de Vic, SL", "Hostal de la Plaça", "hospitality", "micro", "Vic"),
        ("Clínica Veterinària Canigó, SLP", "Veterinaris Canigó", "healthcare", "micro", "Girona"),
        ("Impremta Miralles, SA", "Impremta Miralles", "media", "small", "Badalona"),
        ("Energia Verda del Vallès, SL", "Solar Vallès", "energy", "small", "Sant Cugat del Vallès"),
        ("Conserves Cap de Creus, SA", "Conserves Cap de Creus", "food", "medium", "Girona"),
        ("Esports Vallès Oriental, SL", "Esports Vallès", "retail", "small", "Granollers"),
        ("Centre Mèdic Les Corts, SL", "Centre Mèdic Les Corts", "healthcare", "medium", "Barcelona"),
        ("Edubot Robòtica Educativa, SL", "Edubot", "technology", "micro", "Barcelona"),
        ("Joieria Fàbregas, SL", "Joieria Fàbregas", "retail", "micro", "Reus"),
        ("Transports Rovira i Coll, SA", "Transports Rovira", "logistics", "large", "l'Hospitalet de Llobregat"),
        ("Fundació Festival Lluna Plena", "Festival Lluna Plena", "media", "micro", "Mataró"),
        ("Ceràmiques Badia, SL", "Ceràmiques Badia", "manufacturing", "small", "Manresa"),
        ("Gimnasos Bonavista, SL", "Bonavista Fitness", "other", "small", "l'Hospitalet de Llobregat"),
        ("Pastisseria Sabaté, SL", "Pastisseria Sabaté", "food", "micro", "Tarragona"),
        ("Viatges Rosa dels Vents, SL", "Rosa dels Vents", "hospitality", "small", "Barcelona"),
        ("Associació de Comerciants de Terrassa Centre", "Terrassa Centre", "other", "micro", "Terrassa"),
        ("Cosmètica Natural Pirineu, SL", "Pirineu Natural", "retail", "small", "Lleida"),
        ("Tramuntana Software, SL", "Tramuntana Software", "technology", "medium", "Girona"),
        ("Vins Subirats, SA", "Subirats Vins", "food", "medium", "Tarragona"),
    ],
    women=[
        "Marta",
        "Laia",
        "Núria",
        "Montse",
        "Anna",
        "Mireia",
        "Carla",
        "Gemma",
        "Roser",
        "Meritxell",
        "Júlia",
        "Berta",
        "Aina",
        "Ester",
        "Clara",
        "Neus",
        "Sílvia",
        "Cristina",
        "Elisenda",
        "Mercè",
        "Judit",
        "Irene",
    ],
    men=[
        "Jordi",
        "Pau",
        "Joan",
        "Oriol",
        "Arnau",
        "Marc",
        "Xavier",
        "Albert",
        "Pere",
        "Sergi",
        "Jaume",
        "Quim",
        "Biel",
        "Ramon",
        "Enric",
        "Ferran",
        "Lluís",
        "Martí",
        "Roger",
        "Gerard",
        "Isaac",
        "Eudald",
    ],
    surnames=[
        "Puig",
        "Vila",
        "Soler",
        "Ferrer",
        "Roca",
        "Serra",
        "Font",
        "Casals",
        "Prat",
        "Riera",
        "Camps",
        "Bosch",
        "Mas",
        "Vidal",
        "Sala",
        "Costa",
        "Planas",
        "Canals",
        "Oliveras",
        "Comas",
        "Batlle",
        "Rovira",
        "Vilaró",
        "Fàbregas",
        "Grau",
        "Palau",
        "Miralles",
        "Sabaté",
        "Coll",
        "Pons",
        "Vives",
        "Badia",
        "Figueras",
        "Garriga",
        "Massaguer",
        "Subirats",
        "Tarrés",
        "Xirau",
        "Puigvert",
        "Casademunt",
    ],
    job_titles=[
        ("Director general", "Directora general", "decision_maker"),
        ("Gerent", "Gerent", "decision_maker"),
        ("Cap de màrqueting", "Cap de màrqueting", "influencer"),
        ("Responsable de comunicació", "Responsable de comunicació", "user"),
        ("Community manager", "Community manager", "user"),
        ("Director financer", "Directora financera", "finance"),
        ("Responsable d'administració", "Responsable d'administració", "finance"),
        ("Responsable de sistemes", "Responsable de sistemes", "technical"),
        ("Desenvolupador web", "Desenvolupadora web", "technical"),
        ("Cap de vendes", "Cap de vendes", "influencer"),
        ("Responsable de botiga en línia", "Responsable de botiga en línia", "user"),
        ("Responsable de compres", "Responsable de compres", "influencer"),
    ],
    value_profile=(20, 35, 15, 30),
    notes=[
        "Empresa familiar de {city}. Decideixen ràpid quan veuen resultats mesurables.",
        "Volen créixer en venda en línia; el pressupost de màrqueting s'aprova cada gener.",
        "Molt sensibles al preu: comparen sempre amb dues agències més.",
        "Valoren la qualitat creativa per sobre del termini. Reunió trimestral amb gerència.",
        "Temporada alta a l'estiu: les campanyes han d'estar a punt abans del maig.",
        "Venen també a França; interès a fer campanyes en francès.",
        "Equip intern petit: ens demanen que portem la iniciativa en xarxes i continguts.",
        "Canvi de direcció fa un any; el nou gerent vol indicadors cada mes.",
    ],
    prospect_notes=[
        "Primer contacte en una jornada de comerç digital a {city}; encara comparen propostes.",
        "Ens van trobar pel blog. Volen una proposta de web i xarxes abans de final de trimestre.",
    ],
    former_notes=[
        "Van deixar de treballar amb nosaltres després del canvi de direcció; bona relació personal amb gerència."
    ],
    account_lines=[
        "Campanya digital",
        "SEO i continguts",
        "Xarxes socials",
        "Web corporativa",
        "Botiga en línia",
        "Identitat de marca",
        "Email màrqueting",
        "Publicitat en cercadors",
        "Analítica i informes",
        "Vídeo i fotografia",
        "Campanya de Nadal",
        "Campanya Sant Jordi",
        "Llançament de producte",
        "Premsa i relacions públiques",
        "Manteniment web",
    ],
    credit_limits=(3000, 30000, 500),
    payment_terms=[30, 30, 30, 45, 60, 15],
    revenue_per_year=(8000, 90000),
    custom_metrics=[
        ("Leads qualificats generats", 80, 400),
        ("Nous seguidors a Instagram", 1000, 8000),
        ("Articles publicats al blog", 12, 48),
    ],
    topics=[
        "la campanya de temporada",
        "el calendari editorial del trimestre",
        "els resultats del darrer mes",
        "el pressupost de l'any vinent",
        "el redisseny de la web",
        "les fotos del catàleg",
        "l'informe de posicionament",
        "els anuncis a Google",
        "la campanya de Nadal",
        "la newsletter mensual",
        "el llançament del nou producte",
        "la presència a Instagram",
        "la fira del sector",
        "les dades de conversió",
    ],
    summaries={
        "visit": [
            "Visita a {client}, a {city}. Repassem amb {contact} {topic}.",
            "Visita a {city}: presentem a {contact} la proposta sobre {topic}.",
            "Reunió presencial amb {contact} i el seu equip per revisar {topic}.",
            "Anem a {city} a fer fotos i, de passada, parlem amb {contact} de {topic}.",
        ],
        "call": [
            "Trucada amb {contact} per fer el seguiment de {topic}.",
            "{contact} ens truca amb dubtes sobre {topic}.",
            "Trucada curta per confirmar les dates de {topic}.",
            "Trucada de seguiment: {contact} vol ampliar {topic}.",
        ],
        "email": [
            "Enviem a {contact} la proposta revisada sobre {topic}.",
            "Correu de {contact} amb comentaris sobre {topic}.",
            "Enviem l'informe mensual i un resum de {topic}.",
            "Responem a {contact} amb una proposta per a {topic}.",
        ],
        "meeting": [
            "Reunió de seguiment trimestral amb {contact}: {topic}.",
            "Videotrucada amb {contact} i direcció per tancar {topic}.",
            "Sessió de treball amb l'equip de {client} sobre {topic}.",
        ],
        "note": [
            "{contact} comenta que una altra agència els ha ofert un preu més baix.",
            "El client vol avançar {topic}; cal revisar la capacitat de l'equip.",
            "Canvi de responsable de màrqueting a {client}; {contact} ens farà de pont.",
            "Idea per a {client}: aprofitar {topic} per fer un cas d'èxit.",
        ],
    },
    finance_summaries=[
        "Trucada a {contact} per la factura de {month}, vençuda fa dues setmanes.",
        "Correu a {contact} amb l'extracte del compte i les factures pendents.",
        "{contact} demana ajornar el pagament de la factura de {month}.",
    ],
    outcomes=[
        "Aprovat el pressupost.",
        "Demanen una segona proposta més econòmica.",
        "Queda pendent la validació de gerència.",
        "Satisfets amb els resultats.",
        "Volen ampliar el servei el semestre que ve.",
        "Cal revisar els terminis.",
        "Sense decisió encara.",
        "Acceptada la proposta amb canvis menors.",
        "",
        "",
    ],
    finance_outcomes=[
        "Es comprometen a pagar aquesta setmana.",
        "Pagament parcial acordat.",
        "Envien el justificant de transferència.",
        "",
    ],
    next_steps=[
        "Enviar la proposta revisada",
        "Preparar l'informe mensual",
        "Trucar per tancar el pressupost",
        "Enviar les maquetes de la landing",
        "Revisar el calendari de publicacions",
        "Programar la reunió de seguiment",
        "Demanar les fotos de producte",
        "Enviar el contracte signat",
        "Preparar la presentació de resultats",
        "Confirmar la data de la sessió de fotos",
        "Reclamar la factura vençuda",
    ],
    incidents=[
        (
            "La web no carrega bé al mòbil",
            "El client avisa que la pàgina d'inici es veu trencada en alguns mòbils Android.",
        ),
        (
            "Error a la factura de la campanya",
            "La factura inclou hores de disseny que no estaven al pressupost aprovat.",
        ),
        (
            "Publicació amb una errada a Instagram",
            "S'ha publicat un preu antic en una història; el client demana rectificar-ho avui.",
        ),
        (
            "El formulari de contacte no envia",
            "Des del canvi de servidor, els missatges del formulari no arriben a la bústia del client.",
        ),
        ("Anunci rebutjat per Google Ads", "Google ha rebutjat dos anuncis de la campanya per política de contingut."),
        (
            "Retard en el lliurament del vídeo",
            "El vídeo promocional havia d'estar a punt divendres i encara és en edició.",
        ),
        (
            "Caiguda de la botiga en línia",
            "La botiga en línia ha estat fora de servei unes hores; el client ha perdut comandes.",
        ),
        (
            "Informe mensual amb dades incorrectes",
            "Les visites de l'informe no coincideixen amb les que veu el client a l'analítica.",
        ),
        ("Certificat SSL caducat", "El navegador avisa que la web no és segura: el certificat ha caducat."),
        (
            "Newsletter enviada a la llista equivocada",
            "La newsletter de novembre ha arribat també a la llista de proveïdors.",
        ),
    ],
    months=[
        "gener",
        "febrer",
        "març",
        "abril",
        "maig",
        "juny",
        "juliol",
        "agost",
        "setembre",
        "octubre",
        "novembre",
        "desembre",
    ],
    contractions=[
        (r"\b(de|a|per|per a) (el|els) ", None),
        (r"\bde ([aeiouàèéíòóúAEIOUÀÈÉÍÒÓÚ])", r"d'\1"),
    ],
)

NORDWIND = DemoWorld(
    language="es",
    other_languages=["en", "en", "de", "fr"],
    domain_suffix="example",
    cities={
        "Bilbao": (["48", "95"], "94"),
        "Vitoria-Gasteiz": (["01"], "945"),
        "Zaragoza": (["50", "99"], "976"),
        "Valencia": (["46", "96", "97", "98"], "96"),
        "Sevilla": (["41", "90", "91"], "954"),
        "Málaga": (["29", "92", "93"], "952"),
        "Valladolid": (["47"], "983"),
        "Pamplona": (["31", "71"], "948"),
        "A Coruña": (["15", "70"], "981"),
        "Murcia": (["30", "73"], "968"),
        "Córdoba": (["14", "56"], "957"),
        "Alicante": (["03", "53", "54"], "965"),
    },
    clients=[
        ("Talleres Mecánicos Arrieta, S.L.", "Talleres Arrieta", "manufacturing", "small", "Bilbao"),
        ("Fundiciones del Nervión, S.A.", "Fundiciones Nervión", "manufacturing", "large", "Bilbao"),
        ("Papelera del Cadagua, S.A.", "Papelera Cadagua", "manufacturing", "large", "Bilbao"),
        ("Laminados Vizcaínos, S.L.", "Laminados Vizcaínos", "manufacturing", "medium", "Bilbao"),
        ("Estampaciones Gasteiz, S.L.", "Estampaciones Gasteiz", "manufacturing", "medium", "Vitoria-Gasteiz"),
        ("Mecanizados Zadorra, S.L.", "Mecanizados Zadorra", "manufacturing", "small", "Vitoria-Gasteiz"),
        ("Transportes Aragón Cargo, S.L.", "Aragón Cargo", "logistics", "medium", "Zaragoza"),
        ("Grúas y Elevación del Ebro, S.A.", "Grúas Ebro", "construction", "medium", "Zaragoza"),
        ("Harinera Molinos del Ebro, S.A.", "Molinos del Ebro", "food", "medium", "Zaragoza"),
        ("Automatismos Turia, S.L.", "Automatismos Turia", "technology", "small", "Valencia"),
        ("Zumos de la Huerta, S.Coop.V.", "Zumos La Huerta", "food", "medium", "Valencia"),
        ("Envases Levantinos, S.A.", "Envases Levante", "manufacturing", "large", "Valencia"),
        ("Embotelladora Valenciana, S.A.", "Embotelladora Valenciana", "food", "large", "Valencia"),
        ("Aceitunas del Guadalquivir, S.A.", "Aceitunas Guadalquivir", "food", "medium", "Sevilla"),
        ("Energía Solar Bética, S.L.", "Solar Bética", "energy", "small", "Sevilla"),
        ("Áridos y Hormigones Hispalis, S.L.", "Hormigones Hispalis", "construction", "medium", "Sevilla"),
        ("Servicios Hospitalarios del Sur, S.L.", "Servicios Hospitalarios del Sur", "healthcare", "medium", "Sevilla"),
        ("Envases Malagueños, S.L.", "Envases Malagueños", "manufacturing", "small", "Málaga"),
        ("Suministros Hosteleros Costa del Sol, S.L.", "Hostelería Costa del Sol", "hospitality", "small", "Málaga"),
        ("Reparaciones Navales Malacitanas, S.A.", "Navales Malacitanas", "manufacturing", "medium", "Málaga"),
        ("Componentes de Automoción Pisuerga, S.A.", "Pisuerga Automoción", "manufacturing", "large", "Valladolid"),
        ("Maquinaria Agrícola Castellana, S.L.", "Agrícola Castellana", "manufacturing", "small", "Valladolid"),
        ("Azucarera del Duero, S.A.", "Azucarera Duero", "food", "large", "Valladolid"),
        ("Talleres Ferroviarios del Norte, S.A.", "Ferroviarios del Norte", "manufacturing", "large", "Valladolid"),
        ("Eólica Navarra Servicios, S.L.", "Eólica Navarra", "energy", "medium", "Pamplona"),
        ("Ascensores Zubiri, S.L.", "Ascensores Zubiri", "construction", "small", "Pamplona"),
        ("Conservas Vegetales de la Ribera, S.A.", "Conservas Ribera", "food", "medium", "Pamplona"),
        ("Depuración de Aguas del Arga, S.A.", "Aguas del Arga", "energy", "medium", "Pamplona"),
        ("Conservas Rías Altas, S.A.", "Rías Altas", "food", "medium", "A Coruña"),
        ("Logística Portuaria Coruñesa, S.L.", "Portuaria Coruñesa", "logistics", "medium", "A Coruña"),
        ("Lácteos Galaicos, S.Coop.G.", "Lácteos Galaicos", "food", "large", "A Coruña"),
        ("Frigoríficos del Segura, S.L.", "Frigoríficos Segura", "logistics", "medium", "Murcia"),
        ("Hortofrutícola Campo de Cartagena, S.Coop.", "Campo de Cartagena", "food", "large", "Murcia"),
        ("Frenos y Embragues Levante, S.L.", "Frenos Levante", "manufacturing", "small", "Murcia"),
        ("Aceites Sierra Morena, S.Coop.And.", "Aceites Sierra Morena", "food", "medium", "Córdoba"),
        ("Carpintería Metálica Mezquita, S.L.", "Metálicas Mezquita", "construction", "small", "Córdoba"),
        ("Cables y Conductores del Guadiato, S.A.", "Conductores Guadiato", "manufacturing", "medium", "Córdoba"),
        ("Calzados Lucentum, S.L.", "Calzados Lucentum", "manufacturing", "medium", "Alicante"),
        ("Plásticos Mediterráneo, S.A.", "Plásticos Mediterráneo", "manufacturing", "medium", "Alicante"),
        ("Dulces Marina Alta, S.L.", "Dulces Marina Alta", "food", "small", "Alicante"),
    ],
    women=[
        "Lucía",
        "Carmen",
        "Elena",
        "María",
        "Laura",
        "Ana",
        "Isabel",
        "Paula",
        "Marta",
        "Cristina",
        "Raquel",
        "Beatriz",
        "Pilar",
        "Nerea",
        "Ainhoa",
        "Rocío",
        "Silvia",
        "Teresa",
        "Alba",
        "Irene",
        "Begoña",
        "Inmaculada",
    ],
    men=[
        "Javier",
        "Diego",
        "Carlos",
        "Manuel",
        "Antonio",
        "José",
        "Francisco",
        "David",
        "Alberto",
        "Miguel",
        "Iñaki",
        "Pablo",
        "Álvaro",
        "Sergio",
        "Rubén",
        "Fernando",
        "Jorge",
        "Óscar",
        "Raúl",
        "Luis",
        "Andrés",
        "Iker",
    ],
    surnames=[
        "García",
        "Fernández",
        "González",
        "Rodríguez",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Martín",
        "Jiménez",
        "Ruiz",
        "Hernández",
        "Díaz",
        "Moreno",
        "Álvarez",
        "Muñoz",
        "Romero",
        "Navarro",
        "Torres",
        "Domínguez",
        "Vázquez",
        "Ramos",
        "Gil",
        "Serrano",
        "Blanco",
        "Molina",
        "Castro",
        "Ortega",
        "Delgado",
        "Garrido",
        "Iglesias",
        "Echeverría",
        "Aguirre",
        "Etxeberria",
        "Otero",
        "Castaño",
        "Medina",
        "Peña",
        "Cabrera",
    ],
    job_titles=[
        ("Director de compras", "Directora de compras", "decision_maker"),
        ("Gerente", "Gerente", "decision_maker"),
        ("Director de planta", "Directora de planta", "decision_maker"),
        ("Jefe de mantenimiento", "Jefa de mantenimiento", "technical"),
        ("Ingeniero de procesos", "Ingeniera de procesos", "technical"),
        ("Responsable de almacén", "Responsable de almacén", "user"),
        ("Técnico de compras", "Técnica de compras", "user"),
        ("Jefe de producción", "Jefa de producción", "influencer"),
        ("Responsable de calidad", "Responsable de calidad", "influencer"),
        ("Director financiero", "Directora financiera", "finance"),
        ("Responsable de administración", "Responsable de administración", "finance"),
    ],
    value_profile=(30, 10, 35, 25),
    notes=[
        "Planta en {city} a dos turnos: una parada de línea les cuesta muy cara.",
        "Compran por contrato marco anual; revisan tarifas cada noviembre.",
        "Muy exigentes con los plazos: penalizan los retrasos en la entrega.",
        "La homologación de proveedores es lenta; cada referencia nueva tarda unos tres meses.",
        "Trabajan con stock en consigna que gestionamos nosotros; inventario mensual.",
        "Sensibles al precio: comparan siempre con dos distribuidores más.",
        "Grupo industrial con varias plantas; las compras se centralizan en {city}.",
        "Cambio de jefe de mantenimiento este año; quiere reducir referencias.",
    ],
    prospect_notes=[
        "Primer contacto en la feria de máquina-herramienta de Bilbao; piden muestras y tarifa.",
        "Nos contactan por una rotura de stock de su proveedor actual; urgencia alta.",
    ],
    former_notes=["Dejaron de comprar tras integrarse en un grupo con central de compras propia."],
    account_lines=[
        "Suministro rodamientos",
        "Recambios industriales",
        "Transmisión de potencia",
        "Neumática e hidráulica",
        "Herramientas de corte",
        "Mantenimiento preventivo",
        "Contrato marco de suministro",
        "Juntas y retenes",
        "Lubricación industrial",
        "Tornillería y fijaciones",
        "Motores y reductores",
        "Material eléctrico",
        "Stock en consigna",
        "Repuestos línea de envasado",
        "Cadenas y piñones",
    ],
    credit_limits=(10000, 150000, 5000),
    payment_terms=[30, 60, 60, 60, 45, 30],
    revenue_per_year=(25000, 400000),
    custom_metrics=[
        ("Referencias homologadas", 5, 30),
        ("Visitas técnicas realizadas", 6, 24),
        ("Líneas de pedido servidas", 300, 2400),
    ],
    topics=[
        "el pedido de rodamientos",
        "los plazos de entrega",
        "la homologación de una nueva referencia",
        "el stock en consigna",
        "la tarifa del año próximo",
        "una avería en la línea de envasado",
        "la renovación del contrato marco",
        "las condiciones de pago",
        "el plan de mantenimiento preventivo",
        "un repuesto urgente para la prensa",
        "la sustitución de las cadenas de transmisión",
        "la auditoría de calidad",
        "el consumo de lubricantes",
    ],
    summaries={
        "visit": [
            "Visita a la planta de {client} en {city}. Revisamos con {contact} {topic}.",
            "Visita técnica con {contact}: {topic}.",
            "Visita al almacén de {client} para revisar {topic} con {contact}.",
            "Visita comercial en {city}: presentamos a {contact} la propuesta sobre {topic}.",
        ],
        "call": [
            "Llamada con {contact} sobre {topic}.",
            "{contact} llama por {topic}.",
            "Llamada de seguimiento: {topic}.",
            "Llamada para confirmar fechas de {topic}.",
        ],
        "email": [
            "Enviamos a {contact} la oferta sobre {topic}.",
            "Correo de {contact} pidiendo información sobre {topic}.",
            "Enviamos fichas técnicas y plazos: {topic}.",
            "Respondemos a {contact} con precios actualizados para {topic}.",
        ],
        "meeting": [
            "Reunión trimestral con {contact} y compras: {topic}.",
            "Videollamada con {contact} y el jefe de planta sobre {topic}.",
            "Reunión en {city} para cerrar {topic}.",
        ],
        "note": [
            "{contact} comenta que un competidor les ofrece mejor precio.",
            "Quieren adelantar {topic}; revisar stock antes de comprometer fecha.",
            "Cambio de responsable de compras en {client}; {contact} nos presentará al nuevo.",
            "Oportunidad en {client}: {topic} puede abrir la puerta a otra planta.",
        ],
    },
    finance_summaries=[
        "Llamada a {contact} por la factura de {month}, vencida hace dos semanas.",
        "Correo a {contact} con el extracto de cuenta y las facturas pendientes.",
        "{contact} pide aplazar el pago de la factura de {month}.",
    ],
    outcomes=[
        "Pedido confirmado.",
        "Piden una oferta revisada con mejor precio.",
        "Pendiente de aprobación de dirección.",
        "Satisfechos con el servicio.",
        "Quieren ampliar el suministro a otra planta.",
        "Hay que mejorar los plazos.",
        "Sin decisión todavía.",
        "Aceptan la oferta con pequeños cambios.",
        "",
        "",
    ],
    finance_outcomes=[
        "Se comprometen a pagar esta semana.",
        "Acordado un pago parcial.",
        "Envían el justificante de transferencia.",
        "",
    ],
    next_steps=[
        "Enviar oferta con los nuevos plazos",
        "Confirmar fecha de entrega",
        "Llamar para cerrar el pedido",
        "Enviar ficha técnica del rodamiento",
        "Preparar la tarifa del año que viene",
        "Visitar la planta para revisar el stock en consigna",
        "Reclamar la factura vencida",
        "Enviar muestras para homologación",
        "Programar reunión de seguimiento",
        "Revisar la incidencia con el transportista",
    ],
    incidents=[
        (
            "Rodamientos entregados con referencia equivocada",
            "Llegan rodamientos 6205 en lugar de 6205-2RS; la línea 2 espera el cambio.",
        ),
        (
            "Retraso en el pedido de recambios",
            "El pedido de recambios comprometido para el lunes sigue sin salir del almacén.",
        ),
        ("Pieza defectuosa en la entrega", "Un reductor llegó con la carcasa fisurada; piden sustitución urgente."),
        ("Factura duplicada", "El cliente ha recibido dos veces la misma factura del pedido de octubre."),
        (
            "Falta material en la entrega",
            "Faltan dos cajas de tornillería del pedido; el albarán indica que se enviaron.",
        ),
        (
            "Rotura de stock en consigna",
            "Se han agotado las correas de transmisión del stock en consigna antes de la reposición.",
        ),
        (
            "Albarán sin número de pedido",
            "Los albaranes llegan sin su número de pedido y administración no puede conciliarlos.",
        ),
        ("Daños en el transporte", "La agencia de transporte entregó un palé volcado; material dañado."),
        ("Certificado de calidad no recibido", "Calidad no acepta el lote sin el certificado 3.1 del fabricante."),
        ("Error de precio en la tarifa", "Las juntas tóricas se facturan con el precio de la tarifa anterior."),
    ],
    months=[
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    contractions=[(r"\b(de|a) (el) ", None)],
)

WORLDS = {"porta": PORTA, "nordwind": NORDWIND}

# How much of each there is, per organisation.
CONTACTS = 150
ACCOUNTS = 60
ACTIVITIES = 600
INCIDENTS = 30
OPEN_NEXT_STEP_SHARE = Decimal("0.15")


# --- Helpers -------------------------------------------------------------------------------------


ARTICLE_CONTRACTIONS = {
    ("de", "el"): "del",
    ("de", "els"): "dels",
    ("a", "el"): "al",
    ("a", "els"): "als",
    ("per", "el"): "pel",
    ("per", "els"): "pels",
    ("per a", "el"): "per al",
    ("per a", "els"): "per als",
}


def contract(world: DemoWorld, text: str) -> str:
    """Join a preposition and an article the way the language writes them ("de el" -> "del")."""
    for pattern, replacement in world.contractions:
        if replacement is None:
            text = re.sub(pattern, lambda m: ARTICLE_CONTRACTIONS[(m.group(1), m.group(2))] + " ", text)
        else:
            text = re.sub(pattern, replacement, text)
    return text


def ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def weights_summing_to_100(rng: Random, profile: tuple[int, ...]) -> list[int]:
    """What a client values, in steps of 5 that add up to 100 (largest remainder)."""
    raw = [w * rng.uniform(0.5, 1.6) for w in profile]
    units = [r * 20 / sum(raw) for r in raw]
    whole = [int(u) for u in units]
    for i in sorted(range(len(units)), key=lambda i: whole[i] - units[i])[: 20 - sum(whole)]:
        whole[i] += 1
    return [w * 5 for w in whole]


def phone(rng: Random, prefix: str, mobile: bool) -> str:
    if mobile:
        return (
            f"+34 6{rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
        )
    rest = rng.randint(0, 10 ** (9 - len(prefix)) - 1)
    if len(prefix) == 2:
        return f"+34 {prefix} {rest // 10000:03d} {rest // 100 % 100:02d} {rest % 100:02d}"
    return f"+34 {prefix} {rest // 10000:02d} {rest // 100 % 100:02d} {rest % 100:02d}"


def working_moment(rng: Random, day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """A plausible moment of a working day: 8:30 to 19:00, on the quarter hour."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    minutes = rng.randrange(8 * 60 + 30, 19 * 60, 15)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)


def money(value: float, step: int = 1) -> Decimal:
    return Decimal(int(round(value / step)) * step).quantize(Decimal("0.01"))


@dataclass
class PlannedAccount:
    account: Account
    owner: str  # key into memberships
    client: Client
    contacts: list[Contact]
    weight: float
    window_end: date  # no activity after this day (dormant and closed accounts)
    specialist: bool = False  # ae2 on the team as technical specialist
    finance_contact: bool = False
    performance: float = 1.0
    seers: list[str] = field(default_factory=list)  # who among the demo people sees it


# --- The seed ----------------------------------------------------------------------------------


def seed_portfolio(
    organization: Organization, memberships: dict[str, Membership], rng: Random
) -> dict[str, int] | None:
    """Give a demo organisation its clients, accounts and a year of work. Nothing happens, and
    None comes back, when the organisation already has clients (the seed is idempotent).

    Runs inside the caller's transaction and tenant scope. `memberships` holds the demo people
    by their login's local part: admin, lead, ae, ae2, finance.
    """
    if Client.objects.filter(organization=organization).exists():
        return None
    world = WORLDS.get(organization.slug, NORDWIND if organization.default_language != "ca" else PORTA)
    tz = zoneinfo.ZoneInfo(organization.time_zone)
    with timezone.override(tz):
        return _Seeder(organization, memberships, rng, world, tz).run()


class _Seeder:
    def __init__(
        self,
        organization: Organization,
        memberships: dict[str, Membership],
        rng: Random,
        world: DemoWorld,
        tz: zoneinfo.ZoneInfo,
    ):
        self.org, self.people, self.rng, self.world, self.tz = organization, memberships, rng, world, tz
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.team = (
            Team.objects.filter(
                organization=organization, team_members__membership=memberships["lead"], team_members__is_lead=True
            )
            .order_by("pk")
            .first()
        )
        self.used_names: set[str] = set()

    def run(self) -> dict[str, int]:
        clients = self.create_clients()
        accounts = self.create_accounts(clients)
        self.rate_risks(accounts)
        self.create_account_teams(accounts)
        objectives = self.create_objectives(accounts)
        activities = self.log_activities(accounts)
        incidents = self.open_incidents(accounts)
        return {
            "clients": len(clients),
            "contacts": sum(len(c) for _client, c, _owner in clients),
            "accounts": len(accounts),
            "objectives": objectives,
            "activities": activities,
            "incidents": incidents,
        }

    # Clients and contacts -------------------------------------------------------------------

    def person_name(self) -> tuple[str, str, bool]:
        """(first name, full name, is_woman), unique within the organisation's contacts."""
        rng, world = self.rng, self.world
        while True:
            is_woman = rng.random() < 0.5
            first = rng.choice(world.women if is_woman else world.men)
            surnames = rng.sample(world.surnames, 2)
            full = f"{first} {surnames[0]} {surnames[1]}" if rng.random() < 0.75 else f"{first} {surnames[0]}"
            if full not in self.used_names:
                self.used_names.add(full)
                return first, full, is_woman

    def create_clients(self) -> list[tuple[Client, list[Contact], str]]:
        rng, world = self.rng, self.world
        statuses = ["active"] * (len(world.clients) - 6) + ["prospect"] * 4 + ["former"] * 2
        rng.shuffle(statuses)
        # Bigger clients have more people we talk to: 150 contacts over 40 clients.
        size_extra = {"micro": 0, "small": 1, "medium": 2, "large": 3, "enterprise": 3}
        counts = [2 + (size_extra[spec[3]] if rng.random() < 0.8 else 0) for spec in world.clients]
        while sum(counts) < CONTACTS:
            counts[rng.randrange(len(counts))] += 1
        while sum(counts) > CONTACTS:
            i = rng.randrange(len(counts))
            if counts[i] > 2:
                counts[i] -= 1
        serials: set[tuple[str, int]] = set()
        created = []
        for (legal_name, trade_name, sector, size_band, city), status, contact_count in zip(
            world.clients, statuses, counts, strict=True
        ):
            owner = "ae" if rng.random() < 0.55 else "ae2"
            actor = self.people[owner]
            provinces, prefix = world.cities[city]
            while True:
                province, serial = rng.choice(provinces), rng.randint(100, 99999)
                if (province, serial) not in serials:
                    serials.add((province, serial))
                    break
            domain = f"{ascii_slug(trade_name)}.{world.domain_suffix}"
            note_pool = (
                world.prospect_notes
                if status == "prospect"
                else world.former_notes
                if status == "former"
                else world.notes
            )
            weights = weights_summing_to_100(rng, world.value_profile)
            client = clients_services.client_create(
                organization=self.org,
                actor=actor,
                legal_name=legal_name,
                trade_name=trade_name if trade_name != legal_name else "",
                tax_id=make_cif(cif_letter(legal_name), province, serial),
                country="ES",
                sector=sector,
                size_band=size_band,
                city=city,
                website=f"https://www.{domain}",
                status=status,
                notes=rng.choice(note_pool).format(city=city),
                weight_price=weights[0],
                weight_time_to_market=weights[1],
                weight_delivery_time=weights[2],
                weight_quality=weights[3],
            )
            contacts = []
            titles = list(world.job_titles)
            for index in range(contact_count):
                first, full, is_woman = self.person_name()
                # The first contact is whoever decides; the others come from the rest of the org chart.
                if index == 0:
                    title = next(t for t in titles if t[2] == "decision_maker")
                else:
                    title = rng.choice([t for t in titles if t[2] != "decision_maker"] or titles or world.job_titles)
                if title in titles:
                    titles.remove(title)
                language = world.language if rng.random() < 0.8 else rng.choice(world.other_languages)
                local = ascii_slug(first) + "." + ascii_slug(full.split(" ")[1])
                contacts.append(
                    clients_services.contact_create(
                        organization=self.org,
                        actor=actor,
                        client=client,
                        full_name=full,
                        job_title=title[1] if is_woman else title[0],
                        buying_role=title[2],
                        email=f"{local}@{domain}",
                        phone=phone(rng, prefix, mobile=rng.random() < 0.5),
                        language=language,
                        is_primary=index == 0,
                    )
                )
            created.append((client, contacts, owner))
        return created

    # Accounts ---------------------------------------------------------------------------------

    def create_accounts(self, clients: list[tuple[Client, list[Contact], str]]) -> list[PlannedAccount]:
        rng, world, today = self.rng, self.world, self.today
        # One account per client, then second and third service lines for the bigger, active ones.
        plan = [(i, 0) for i in range(len(clients))]
        growth = [i for i, (client, _c, _o) in enumerate(clients) if client.status == "active"]
        growth.sort(
            key=lambda i: (
                -["micro", "small", "medium", "large", "enterprise"].index(clients[i][0].size_band),
                rng.random(),
            )
        )
        # The largest get a third line.
        extra = ACCOUNTS - len(plan)
        for i in growth[: extra - 3] + growth[:3]:
            plan.append((i, sum(1 for p in plan if p[0] == i)))
        no_team = set(rng.sample(range(len(plan)), 4))
        planned = []
        for position, (i, nth) in enumerate(plan):
            client, contacts, owner = clients[i]
            lines = list(world.account_lines)
            rng.shuffle(lines)
            taken = {a.account.name for a in planned if a.client.pk == client.pk}
            name = next(line for line in lines if line not in taken)
            if client.status == "former":
                status, tier = "closed", "standard"
            elif client.status == "prospect":
                status, tier = "onboarding", rng.choice(["growth", "standard"])
            else:
                status = rng.choices(["active", "at_risk", "dormant", "onboarding"], weights=[80, 9, 8, 3])[0]
                tier = rng.choices(["strategic", "key", "growth", "standard"], weights=[8, 22, 30, 40])[0]
            if status == "onboarding":
                start = today - timedelta(days=rng.randint(10, 80))
            else:
                start = today - timedelta(days=rng.randint(200, 6 * 365))
            low, high, step = world.credit_limits
            # A client's later lines are sometimes owned by the other AE: the one who sold it.
            account_owner = owner if nth == 0 or rng.random() < 0.7 else ("ae2" if owner == "ae" else "ae")
            account = services.account_create(
                organization=self.org,
                actor=self.people[account_owner],
                client=client,
                name=name,
                owner=self.people[account_owner],
                sales_team=None if position in no_team or self.team is None else self.team,
                currency="EUR",
                payment_terms_days=rng.choice(world.payment_terms),
                credit_limit=money(rng.uniform(low, high), step),
                tier=tier,
                status=status,
                start_date=start,
            )
            window_end = today
            if status == "dormant":
                window_end = today - timedelta(days=rng.randint(45, 120))
            elif status == "closed":
                window_end = today - timedelta(days=rng.randint(120, 240))
            weight = {"strategic": 3.0, "key": 2.0, "growth": 1.4, "standard": 1.0}[tier] * (
                0.6 if status in ("dormant", "closed") else 1.0
            )
            planned.append(
                PlannedAccount(
                    account=account,
                    owner=account_owner,
                    client=client,
                    contacts=contacts,
                    weight=weight,
                    window_end=window_end,
                    performance=min(max(rng.gauss(1.0, 0.2), 0.5), 1.4)
                    if status != "at_risk"
                    else rng.uniform(0.45, 0.75),
                )
            )
        return planned

    def rate_risks(self, accounts: list[PlannedAccount]) -> None:
        finance = self.people["finance"]
        for planned in accounts:
            account = planned.account
            if account.status == "closed" or self.rng.random() > 0.45:
                continue
            if account.status == "at_risk":
                rating = self.rng.choice(["high", "very_high"])
            else:
                rating = self.rng.choices(["low", "medium", "high"], weights=[55, 35, 10])[0]
            planned.account = services.account_set_risk_rating(
                organization=self.org, actor=finance, account=account, risk_rating=rating
            )

    def create_account_teams(self, accounts: list[PlannedAccount]) -> None:
        rng = self.rng
        open_accounts = [p for p in accounts if p.account.status != "closed"]
        aes_accounts = [p for p in open_accounts if p.owner == "ae"]
        for planned in rng.sample(aes_accounts, min(9, len(aes_accounts))):
            services.account_team_member_add(
                organization=self.org,
                actor=self.people["ae"],
                account=planned.account,
                membership=self.people["ae2"],
                role=AccountRole.TECHNICAL_SPECIALIST,
            )
            planned.specialist = True
        for planned in rng.sample(open_accounts, min(11, len(open_accounts))):
            services.account_team_member_add(
                organization=self.org,
                actor=self.people[planned.owner],
                account=planned.account,
                membership=self.people["finance"],
                role=AccountRole.FINANCE_CONTACT,
            )
            planned.finance_contact = True
        for planned in accounts:
            seers = [planned.owner, "admin", "finance"]
            # The lead leads both account executives: their accounts, with a team or without.
            if self.team is not None:
                seers.append("lead")
            if planned.specialist:
                seers.append("ae2")
            planned.seers = seers

    # Objectives -----------------------------------------------------------------------------

    def actual_dates(self, start: date, end: date, count: int) -> list[date]:
        """Up to `count` past dates inside the period, month ends first (when people report)."""
        last = min(end, self.today - timedelta(days=1))
        if last < start:
            return []
        month_ends = []
        day = start
        while day <= last:
            next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            month_end = next_month - timedelta(days=1)
            if month_end <= last:
                month_ends.append(month_end)
            day = next_month
        candidates = month_ends[-(count - 1) :] if count > 1 else []
        recent = last - timedelta(days=self.rng.randint(0, min(6, (last - start).days)))
        if recent not in candidates:
            candidates.append(recent)
        return sorted(set(candidates))[-count:]

    def create_objectives(self, accounts: list[PlannedAccount]) -> int:
        rng, world, today = self.rng, self.world, self.today
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        quarter_end = (quarter_start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
        low, high = world.revenue_per_year
        created = 0
        with_custom = set(rng.sample(range(len(accounts)), 6))
        for index, planned in enumerate(accounts):
            account = planned.account
            if account.status in ("closed", "onboarding") or rng.random() < 0.12:
                continue
            actor = self.people[planned.owner]
            yearly = (
                rng.uniform(low, high) * {"strategic": 2.5, "key": 1.6, "growth": 1.0, "standard": 0.7}[account.tier]
            )
            # One objective per metric at any day (overlapping ones would count the same work
            # twice): the year's revenue invoiced, the quarter's collected.
            specs = [
                (quarter_start, quarter_end, Metric.AMOUNT_COLLECTED, "", money(yearly / 4, 500)),
                (year_start, year_end, Metric.REVENUE_INVOICED, "", money(yearly, 1000)),
            ]
            if rng.random() < 0.6:
                specs.append((quarter_start, quarter_end, Metric.WON_OFFERS, "", Decimal(rng.randint(2, 6))))
            elif rng.random() < 0.5:
                specs.append((year_start, year_end, Metric.WON_OFFERS, "", Decimal(rng.randint(8, 20))))
            if rng.random() < 0.55:
                start, end = (quarter_start, quarter_end) if rng.random() < 0.5 else (year_start, year_end)
                specs.append((start, end, Metric.ON_TIME_PAYMENT, "", Decimal(rng.choice([85, 90, 95, 98]))))
            if index in with_custom:
                name, c_low, c_high = rng.choice(world.custom_metrics)
                specs.append((year_start, year_end, Metric.CUSTOM, name, Decimal(rng.randint(c_low, c_high))))
            for start, end, metric, custom_name, target in specs:
                objective = services.objective_create(
                    organization=self.org,
                    actor=actor,
                    account=account,
                    metric=metric,
                    custom_metric_name=custom_name,
                    period_start=start,
                    period_end=end,
                    target=target,
                    tolerance_pct=Decimal(rng.choice([5, 10, 10, 10, 15])),
                )
                created += 1
                self.record_actuals(objective, planned, actor)
        return created

    def record_actuals(self, objective: Objective, planned: PlannedAccount, actor: Membership) -> None:
        rng = self.rng
        total_days = (objective.period_end - objective.period_start).days + 1
        is_count = objective.metric in (Metric.WON_OFFERS, Metric.CUSTOM)
        previous = Decimal("0")
        for as_of in self.actual_dates(objective.period_start, objective.period_end, rng.randint(2, 4)):
            if objective.metric == Metric.ON_TIME_PAYMENT:
                value = Decimal(
                    min(100, max(40, round(float(objective.target) * min(planned.performance, 1.02) + rng.gauss(0, 3))))
                )
            else:
                elapsed = ((as_of - objective.period_start).days + 1) / total_days
                raw = float(objective.target) * elapsed * planned.performance * rng.uniform(0.85, 1.15)
                value = Decimal(round(raw)) if is_count else money(raw, 10)
                value = max(value, previous)  # cumulative: it never goes down
            previous = value
            services.objective_actual_record(
                organization=self.org,
                actor=actor,
                objective=objective,
                as_of=as_of,
                value=value.quantize(Decimal("0.01"), ROUND_HALF_UP),
            )

    # Activities -------------------------------------------------------------------------------

    def activity_day(self, planned: PlannedAccount) -> date | None:
        """When something happened on this account: recent work weighs more than last year's."""
        start = max(planned.account.start_date, self.today - timedelta(days=365))
        end = planned.window_end
        if end < start:
            return None
        bucket = self.rng.random()
        if bucket < 0.25:
            low = max(start, end - timedelta(days=30))
        elif bucket < 0.5:
            low = max(start, end - timedelta(days=90))
        else:
            low = start
        return low + timedelta(days=self.rng.randint(0, (end - low).days))

    def log_activities(self, accounts: list[PlannedAccount]) -> int:
        rng = self.rng
        planned_activities = []
        weights = [p.weight for p in accounts]
        while len(planned_activities) < ACTIVITIES:
            planned = rng.choices(accounts, weights=weights)[0]
            day = self.activity_day(planned)
            if day is None:
                continue
            moment = working_moment(rng, day, self.tz)
            if moment > self.now:
                moment = self.now - timedelta(minutes=rng.randint(20, 180))
            if moment.date() < planned.account.start_date:
                continue
            planned_activities.append((moment, planned))
        planned_activities.sort(key=lambda item: item[0])
        specs = [self.activity_spec(moment, planned) for moment, planned in planned_activities]
        self.plan_next_steps(specs)
        done_at: list[tuple[Activity, datetime]] = []
        for spec in specs:
            activity = services.activity_log(
                organization=self.org, actor=self.people[spec["actor"]], account=spec["planned"].account, **spec["data"]
            )
            if spec.get("done_at"):
                done_at.append((activity, spec["done_at"]))
        # activity_next_step_set_done stamps "now"; a step done last spring was done last spring.
        for activity, moment in done_at:
            activity.next_step_done_at = moment
        Activity.objects.bulk_update([a for a, _m in done_at], ["next_step_done_at"], batch_size=200)
        return len(specs)

    def activity_spec(self, moment: datetime, planned: PlannedAccount) -> dict:
        rng, world = self.rng, self.world
        actor = planned.owner
        roll = rng.random()
        if planned.specialist and roll < 0.3:
            actor = "ae2"
        elif planned.finance_contact and roll < 0.42:
            actor = "finance"
        elif "lead" in planned.seers and roll > 0.93:
            actor = "lead"
        if actor == "finance":
            kind = rng.choice(["call", "email", "email"])
        elif actor == "lead":
            kind = rng.choice(["meeting", "visit"])
        else:
            kind = rng.choices(["email", "call", "meeting", "visit", "note"], weights=[30, 25, 15, 15, 15])[0]
        contacts = planned.contacts
        chosen = (
            []
            if kind == "note" and rng.random() < 0.6
            else rng.sample(contacts, 1 if rng.random() < 0.7 or len(contacts) < 2 else 2)
        )
        if actor == "finance":
            finance_people = [c for c in contacts if c.buying_role == BuyingRole.FINANCE]
            chosen = finance_people[:1] or chosen or contacts[:1]
        named = chosen[0] if chosen else rng.choice(contacts)
        fill = {
            "client": str(planned.client),
            "city": planned.client.city,
            "contact": named.full_name.split(" ")[0],
            "topic": rng.choice(world.topics),
            "month": world.months[(moment.month - 2) % 12],
        }
        if actor == "finance":
            summary, outcome = rng.choice(world.finance_summaries), rng.choice(world.finance_outcomes)
        else:
            summary, outcome = rng.choice(world.summaries[kind]), rng.choice(world.outcomes)
        duration = {
            "visit": rng.choice([45, 60, 90, 120]),
            "meeting": rng.choice([30, 45, 60, 90]),
            "call": rng.choice([5, 10, 15, 20, 30]),
            "email": 0,
            "note": 0,
        }[kind]
        summary = contract(world, summary.format(**fill))
        return {
            "planned": planned,
            "actor": actor,
            "moment": moment,
            "data": {
                "kind": kind,
                "occurred_at": moment,
                "duration_minutes": duration,
                "summary": summary[0].upper() + summary[1:],
                "outcome": "" if kind == "note" else outcome,
                "contact_ids": [c.pk for c in chosen],
            },
        }

    def plan_next_steps(self, specs: list[dict]) -> None:
        """About 15% of activities end with a next step still open: most due in the coming weeks,
        some due today (the AEs' "My day"), some overdue. Many older ones had a next step, done."""
        rng, today, world = self.rng, self.today, self.world
        target_open = int(len(specs) * OPEN_NEXT_STEP_SHARE)
        recent = [
            s for s in specs if (today - s["moment"].date()).days <= 30 and s["planned"].account.status != "closed"
        ]
        rng.shuffle(recent)
        open_specs = recent[:target_open]
        # Due today and overdue first for each AE, so both have a day to work through.
        placed: set[int] = set()
        for who, due_today, overdue in (("ae", 5, 7), ("ae2", 3, 4)):
            theirs = [s for s in open_specs if who in s["planned"].seers and id(s) not in placed]
            for s in theirs[:due_today]:
                placed.add(id(s))
                s["owner"], s["due"] = who, today
            for s in theirs[due_today : due_today + overdue]:
                if (today - s["moment"].date()).days >= 2:
                    placed.add(id(s))
                    s["owner"] = who
                    s["due"] = s["moment"].date() + timedelta(
                        days=rng.randint(1, (today - s["moment"].date()).days - 1)
                    )
        for s in open_specs:
            if id(s) in placed:
                continue
            s["owner"] = (
                s["planned"].owner if s["actor"] not in ("lead", "finance") or rng.random() < 0.5 else s["actor"]
            )
            if rng.random() < 0.12 and (today - s["moment"].date()).days >= 2:
                s["due"] = s["moment"].date() + timedelta(days=rng.randint(1, (today - s["moment"].date()).days - 1))
            else:
                s["due"] = today + timedelta(days=rng.choice([1, 2, 3, 4, 7, 7, 10, 14, 14, 21, 30]))
        for s in open_specs:
            s["data"].update(
                next_step=rng.choice(world.next_steps),
                next_step_due=s["due"],
                next_step_owner=self.people[s["owner"]],
            )
        open_ids = {id(s) for s in open_specs}
        for s in specs:
            if id(s) in open_ids or rng.random() > 0.22:
                continue
            occurred = s["moment"]
            due = occurred.date() + timedelta(days=rng.randint(1, 14))
            done = min(
                working_moment(rng, min(due + timedelta(days=rng.randint(-3, 3)), self.today), self.tz), self.now
            )
            if done <= occurred:
                done = min(occurred + timedelta(hours=rng.randint(1, 48)), self.now)
            owner = s["actor"] if s["actor"] in s["planned"].seers else s["planned"].owner
            s["data"].update(
                next_step=rng.choice(world.next_steps), next_step_due=due, next_step_owner=self.people[owner]
            )
            s["done_at"] = done

    # Incidents --------------------------------------------------------------------------------

    def open_incidents(self, accounts: list[PlannedAccount]) -> int:
        rng, world, now = self.rng, self.world, self.now
        live = [p for p in accounts if p.account.status in ("active", "at_risk", "onboarding")]
        settings = portfolio_settings(organization=self.org)
        settings_hours = {severity: settings.sla_hours(severity) for severity in Severity.values}
        specs = []
        # Open ones: a few past their SLA, a few close to it, the rest with time left.
        open_shapes = [
            ("open", Severity.NORMAL, lambda h: h + rng.randint(20, 96)),
            ("in_progress", Severity.HIGH, lambda h: h + rng.randint(2, 30)),
            ("waiting_on_client", Severity.LOW, lambda h: h + rng.randint(24, 120)),
            ("open", Severity.CRITICAL, lambda h: h - rng.randint(1, 3)),
            ("in_progress", Severity.NORMAL, lambda h: h - rng.randint(6, 20)),
            ("open", Severity.HIGH, lambda h: rng.randint(1, max(1, h // 2))),
            ("open", Severity.NORMAL, lambda h: rng.randint(1, 20)),
            ("in_progress", Severity.LOW, lambda h: rng.randint(12, 72)),
            ("waiting_on_client", Severity.NORMAL, lambda h: rng.randint(4, 24)),
            ("open", Severity.LOW, lambda h: rng.randint(2, 48)),
            ("in_progress", Severity.NORMAL, lambda h: h - rng.randint(26, 40)),
        ]
        aes_live = [p for p in live if p.owner == "ae"]
        for n, (status, severity, age) in enumerate(open_shapes):
            # The first ones land on ae's accounts so "My day" has incidents to attend.
            planned = rng.choice(aes_live if n < 5 and aes_live else live)
            opened = now - timedelta(hours=max(1, age(settings_hours[severity])), minutes=rng.randint(0, 59))
            specs.append((opened, planned, status, severity, None))
        while len(specs) < INCIDENTS:
            planned = rng.choice(live)
            severity = rng.choices(
                [Severity.LOW, Severity.NORMAL, Severity.HIGH, Severity.CRITICAL], weights=[20, 45, 25, 10]
            )[0]
            opened = working_moment(rng, self.today - timedelta(days=rng.randint(7, 300)), self.tz)
            if opened.date() < planned.account.start_date:
                continue
            hours = settings_hours[severity]
            # Most are solved within their SLA; some late.
            took = timedelta(
                hours=rng.uniform(0.2, 0.9) * hours if rng.random() < 0.75 else rng.uniform(1.1, 3.0) * hours
            )
            specs.append(
                (
                    opened,
                    planned,
                    rng.choice(["resolved", "resolved", "closed"]),
                    severity,
                    min(opened + took, now - timedelta(hours=1)),
                )
            )
        specs.sort(key=lambda s: s[0])
        resolved: list[Incident] = []
        for opened, planned, status, severity, resolved_at in specs:
            title, description = rng.choice(world.incidents)
            reporter = planned.owner if rng.random() < 0.8 else rng.choice(planned.seers)
            assignee = rng.choices(
                [planned.owner, "ae2" if "ae2" in planned.seers else planned.owner, None], weights=[70, 15, 15]
            )[0]
            incident = services.incident_open(
                organization=self.org,
                actor=self.people[reporter],
                account=planned.account,
                title=title,
                description=description,
                severity=severity,
                status=status,
                assignee=self.people[assignee] if assignee else None,
                opened_at=opened,
            )
            if resolved_at is not None:
                # incident_open stamps "now" on what it opens already resolved.
                incident.resolved_at = resolved_at
                resolved.append(incident)
        Incident.objects.bulk_update(resolved, ["resolved_at"], batch_size=200)
        return len(specs)
