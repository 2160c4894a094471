"""Spanish, complete and in use: the catalog, the language switch, Accept-Language, dates, feeds and mail.

The catalog checks read translations/es/LC_MESSAGES/messages.po itself, so an untranslated or broken entry
fails here before any page shows it.
"""

import re
from pathlib import Path

import feedparser
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.core.web import DATE_PATTERNS

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdf%]")
#: CLDR date and time pattern letters, as the pages pass them to the date filters.
DATE_LITERAL = re.compile(r"""["']((?:[dMyEhHmsaz]+[ ,:]*)+)["']""")

#: Entries whose Spanish is rightly the same as the English: format codes and words both languages share.
SAME_IN_SPANISH = {"d MMM y", "MMM y", "EEE", "EEEE", "Error", "iCalendar", "No", "Neutral", "Agenda"}


@pytest.fixture(scope="module")
def catalog():
    with CATALOG.open("rb") as fh:
        return read_po(fh, locale="es")


def _source_ids():
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "N_": None,
        "pgettext": ((1, "c"), 2),
    }
    ids = set()
    for _file, _line, message, _comments, context in extract_from_dir(ROOT, method_map, keywords=keywords):
        ids.add((context, message if isinstance(message, str) else message[0]))
    return ids


def test_every_string_in_the_code_is_in_the_spanish_catalog(catalog):
    """A string added to a page or a form without `make messages` would show in English: caught here."""
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    missing = sorted(_source_ids() - translated)
    assert not missing, f"not in the Spanish catalog (run `make messages`, then translate): {missing[:20]}"


def test_every_entry_is_translated_and_keeps_its_placeholders(catalog):
    assert not catalog.fuzzy
    problems = []
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if m.fuzzy or any(not s or not s.strip() for s in strings):
            problems.append(("untranslated or fuzzy", ids[0]))
            continue
        for s in strings:
            if sorted(set(PLACEHOLDER.findall(s))) != sorted(set(PLACEHOLDER.findall(ids[-1]))):
                problems.append(("placeholders differ", ids[0], s))
            if re.search(r"TODO|FIXME|XXX|\?\?\?", s):
                problems.append(("placeholder text", ids[0], s))
        words = re.sub(r"[^A-Za-z]", "", PLACEHOLDER.sub("", ids[0]))
        if strings[0] == ids[0] and words and ids[0] not in SAME_IN_SPANISH:
            problems.append(("left in English", ids[0]))
    assert not problems, problems[:20]


def test_catalog_header_has_no_template_placeholders():
    head = CATALOG.read_text(encoding="utf-8").split("\n\n", 1)[0]
    for token in ("PROJECT", "FULL NAME", "ORGANIZATION"):
        assert token not in head


def test_every_date_pattern_in_the_code_goes_through_the_catalog(catalog):
    """Each pattern literal handed to a date filter is listed in DATE_PATTERNS, hence translated."""
    listed = set(DATE_PATTERNS)
    used = set()
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "app").rglob("*.py")):
        for literal in DATE_LITERAL.findall(path.read_text(encoding="utf-8")):
            if re.search(r"MMM|EEE|h:mm|H:mm|\by\b|yyyy", literal):
                used.add(literal)
    assert used, "the scan found no date patterns at all"
    assert used <= listed, sorted(used - listed)
    spanish = {m.id: m.string for m in catalog if isinstance(m.id, str)}
    for pattern in listed:
        assert "a" not in spanish[pattern].replace("'de'", ""), f"Spanish uses the 24-hour clock: {pattern}"


# ---- in use -----------------------------------------------------------------------------------------------------

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def _lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def test_accept_language_chooses_spanish_on_a_first_visit(client, open_meeting):
    meeting = open_meeting()
    page = client.get(f"/meetings/{meeting.id}", headers=SPANISH)
    text = page.get_data(as_text=True)
    assert _lang(text) == "es" and "Saltar al contenido principal" in text and "Agenda publicada" in text
    assert "Accept-Language" in page.headers["Vary"] and "Cookie" in page.headers["Vary"]
    english = client.get(f"/meetings/{meeting.id}", headers={"Accept-Language": "fr-FR,en;q=0.8"})
    assert _lang(english.get_data(as_text=True)) == "en"
    # The same page in two languages is two different bodies, so a cached English copy is never revalidated
    # into a Spanish reader's browser.
    assert english.headers["ETag"] != page.headers["ETag"]


def test_language_switch_round_trip_keeps_the_page_and_beats_accept_language(client, open_meeting):
    meeting = open_meeting()
    path = f"/meetings?year={meeting.start_at.year}"
    english = client.get(path).get_data(as_text=True)
    assert _lang(english) == "en" and 'aria-current="true">English<' in english
    switch = re.search(r'<a href="(/language/es\?next=[^"]+)" lang="es" hreflang="es">Español</a>', english)
    assert switch, "the page offers Español"
    response = client.get(switch.group(1).replace("&amp;", "&"))
    assert response.status_code == 302 and response.headers["Location"] == path
    spanish = client.get(path).get_data(as_text=True)
    assert _lang(spanish) == "es" and "Filtrar reuniones" in spanish and ">Reuniones<" in spanish
    # The choice is remembered over the browser's own preference...
    assert _lang(client.get("/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)) == "es"
    back = re.search(r'<a href="(/language/en\?next=[^"]+)" lang="en" hreflang="en">English</a>', spanish)
    assert client.get(back.group(1).replace("&amp;", "&")).headers["Location"] == path
    # ...and undone the same way.
    assert _lang(client.get(path, headers=SPANISH).get_data(as_text=True)) == "en"


def test_language_switch_refuses_unknown_codes_and_foreign_redirects(client):
    assert client.get("/language/fr?next=/meetings").headers["Location"] == "/meetings"
    assert _lang(client.get("/").get_data(as_text=True)) == "en"
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert client.get("/language/es", query_string={"next": target}).headers["Location"] == "/"
    assert client.get("/language/" + "x" * 5000).status_code == 302


def test_dates_and_times_are_written_the_spanish_way(client, db, clock, open_meeting):
    from datetime import UTC, datetime

    clock.now = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
    meeting = open_meeting(start_at=datetime(2025, 6, 30, 21, 0, tzinfo=UTC))  # 5 pm in Key West
    page = client.get(f"/meetings/{meeting.id}", headers=SPANISH).get_data(as_text=True)
    assert "lunes, 30 de junio de 2025, 17:00 (hora de verano oriental)" in page
    assert "p.\u00a0m." not in page and "PM" not in page and "-0400" not in page and "17:00:00" not in page
    english = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Monday" in english and "5:00" in english and "PM" in english


def test_error_pages_and_form_errors_are_in_spanish(client, open_meeting):
    meeting = open_meeting()
    missing = client.get("/meetings/424242", headers=SPANISH)
    assert missing.status_code == 404 and "Página no encontrada" in missing.get_data(as_text=True)
    bad = client.get("/resolutions?year=nineteen", headers=SPANISH)
    assert bad.status_code == 400 and "«nineteen» no es un valor válido para «year»" in bad.get_data(as_text=True)
    refused = client.post("/subscribe", data={"email": "no-es-correo", "body": ""}, headers=SPANISH)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Indique un correo electrónico como nombre@ejemplo.com." in text
    assert 'value="no-es-correo"' in text
    # WTForms' own messages come in Spanish too.
    choice = client.post("/subscribe", data={"email": "a@example.org", "body": "99999"}, headers=SPANISH)
    assert choice.status_code == 422 and "Opción inválida" in choice.get_data(as_text=True)
    item = next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")
    speak = client.post(
        f"/meetings/{meeting.id}/speak",
        headers=SPANISH,
        data={"agenda_item_id": str(item.id), "name": "", "stance": "oppose"},
    )
    assert speak.status_code == 422 and "Indique su nombre." in speak.get_data(as_text=True)


def test_atom_feeds_say_which_language_they_are_in(client, open_meeting):
    open_meeting()
    spanish = feedparser.parse(client.get("/feeds/agendas.atom", headers=SPANISH).data)
    assert not spanish.bozo and spanish.feed.language == "es"
    assert spanish.feed.title.endswith("nuevas agendas")
    assert feedparser.parse(client.get("/feeds/agendas.atom").data).feed.language == "en"


def test_mail_goes_out_in_the_language_the_resident_used(
    client, app, open_meeting, outbox, create_body, login_as, create_meeting
):
    from tests.test_feeds_subscriptions import _link, _publish

    body = create_body(name="City Commission")
    client.post("/subscribe", data={"email": "vecina@example.org", "body": str(body.id)}, headers=SPANISH)
    [confirmation] = outbox()
    assert confirmation["Subject"] == "Confirme su suscripción a las nuevas agendas"
    assert "Para confirmar, abra este enlace:" in confirmation.get_content()
    app.test_client().post(_link(confirmation, "/subscribe"), data={})

    login_as("clerk")  # the clerk works in English; the subscriber still reads Spanish
    _publish(client, create_meeting, body, title="Harbor hearing")
    agenda = outbox()[-1]
    assert agenda["Subject"] == "Agenda publicada: Harbor hearing"
    assert "Para dejar de recibir estos mensajes, abra:" in agenda.get_content()

    meeting = open_meeting()
    item = next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")
    resident = app.test_client()
    from app.public_comment import intake as comment_intake

    response = resident.post(
        f"/meetings/{meeting.id}/speak",
        headers=SPANISH,
        data={
            "agenda_item_id": str(item.id),
            "name": "Ana Vecina",
            "email": "ana@example.org",
            "stance": "oppose",
            "participation": "in_person",
            "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    registered = outbox()[-1]
    assert registered["Subject"].startswith("Su solicitud para hablar:")
    assert "Hola, Ana Vecina:" in registered.get_content()


def test_change_log_is_told_in_the_readers_language(client, db, open_meeting):
    from datetime import timedelta

    from app.meetings import agenda, lifecycle
    from app.meetings.models import AgendaItemType

    meeting = open_meeting()
    agenda.add_item(
        meeting,
        section="Resolutions",
        title="Harbor lease",
        body_md="",
        item_type=AgendaItemType.resolution,
        amendment_reason="Late filing",
        actor=None,
    )
    item = next(i for i in meeting.items if i.title == "Harbor lease")
    agenda.withdraw_item(item, reason="Sponsor asked", actor=None)
    lifecycle.reschedule_meeting(
        meeting, start_at=meeting.start_at + timedelta(days=1), end_at=None, reason="Storm", actor=None
    )
    lifecycle.cancel_meeting(meeting, reason="Hurricane warning", actor=None)
    db.session.commit()

    english = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    spanish = client.get(f"/meetings/{meeting.id}", headers=SPANISH).get_data(as_text=True)
    for en, es in (
        ("Agenda published with 3 items", "Agenda publicada con 3 puntos"),
        ("“Harbor lease” added", "«Harbor lease» agregado"),
        ("“Harbor lease” withdrawn", "«Harbor lease» retirado"),
        ("Rescheduled from ", "Reprogramada del "),
        ("Meeting cancelled", "Reunión cancelada"),
    ):
        assert en in english and es in spanish, (en, es)
        assert en not in spanish
    # The reasons are the clerk's own words, in whatever language they were written.
    assert "Motivo: Storm" in spanish.replace("</strong>", "")


@pytest.mark.parametrize(
    "data,kind,english,spanish",
    [
        (
            {"lead_hours": 72.0},
            "published",
            "Notice published 72 hours before the start",
            "Aviso publicado 72 horas antes del inicio",
        ),
        (
            {"lead_hours": 1.0},
            "published",
            "Notice published 1 hour before the start",
            "Aviso publicado 1 hora antes del inicio",
        ),
        ({"lead_hours": 26.5}, "published", "Notice published 26.5 hours", "Aviso publicado 26,5 horas"),
        (
            {"before": "City Hall", "after": "Harbor Room"},
            "relocated",
            "Place changed from “City Hall” to “Harbor Room”",
            "Lugar cambiado de «City Hall» a «Harbor Room»",
        ),
        ({"items": 1}, "agenda_published", "Agenda published with 1 item", "Agenda publicada con 1 punto"),
        (
            {"label": "5.C", "title": "Lease"},
            "outside_purpose",
            "Item 5.C “Lease” added outside the purpose",
            "Punto 5.C «Lease» agregado fuera del propósito",
        ),
        (
            {"event": "item_changed", "label": "5.A", "title": "Lease", "fields": ["body_md", "sponsor_ids"]},
            "agenda_amended",
            "Item 5.A “Lease” changed: text, sponsors",
            "Punto 5.A «Lease» modificado: texto, proponentes",
        ),
        (
            {"event": "item_moved", "label": "5.A", "title": "Lease", "new_label": "5.B"},
            "agenda_amended",
            "Item 5.A “Lease” moved to 5.B",
            "Punto 5.A «Lease» movido a 5.B",
        ),
        (
            {
                "event": "item_moved_section",
                "label": "5.A",
                "title": "Lease",
                "section": "Consent Agenda",
                "new_label": "4.A",
            },
            "agenda_amended",
            "moved to the section “Consent Agenda” as 4.A",
            "movido a la sección «Consent Agenda» como 4.A",
        ),
        (
            {"event": "document_attached", "label": "5.A", "filename": "lease.pdf"},
            "agenda_amended",
            "Document “lease.pdf” attached to item 5.A",
            "Documento «lease.pdf» adjuntado al punto 5.A",
        ),
        ({}, "agenda_amended", "Stored English summary", "Stored English summary"),  # an entry from before the facts
    ],
)
def test_every_change_log_sentence_in_both_languages(app, data, kind, english, spanish):
    from flask_babel import force_locale

    from app.meetings.changes import describe
    from app.meetings.models import MeetingChange, MeetingChangeKind

    change = MeetingChange(kind=MeetingChangeKind(kind), summary="Stored English summary", data=data)
    with app.test_request_context():
        assert english in describe(change)
        with force_locale("es"):
            assert spanish in describe(change)
