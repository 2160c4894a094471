"""Migration 904af784feb2 (issue 20) on a database with data: each agenda item becomes its own matter, with its
history (introduced, placed on the agenda, withdrawn; the closed main motions as the vote steps) and its status;
the downgrade gives the agenda items back as they were, and the later migrations run on top of it."""

import pytest
from alembic import command
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import make_app
from tests.dbutil import fresh_database

BEFORE = "e3a9c4b7d2f6"
MATTERS = "904af784feb2"

CREATED = "2026-01-05 10:00:00"
START = "2026-01-10 18:00:00"

# file number, title, item type, agreement category, withdrawn at, meeting (0: the commission's, 1: the board's)
ITEMS = [
    ("R-2026-001", "Parks master plan", "resolution", None, None, 0),
    ("O-2026-002", "Noise ordinance", "ordinance", None, None, 0),
    ("RPT-2026-003", "Quarterly budget report", "report", None, "2026-01-08 09:00:00", 0),
    ("C-2026-004", "Paving services agreement", "motion", "Professional services", None, 0),
    ("M-2026-005", "Fee waiver for the fair", "ministerial", None, None, 1),
]

# file number of the item, kind, result, closed at, reconsidered
MOTIONS = [
    ("R-2026-001", "amend", "passed", "2026-01-10 18:10:00", False),  # not a main motion: no step
    ("R-2026-001", "main", "passed", "2026-01-10 18:20:00", False),
    ("O-2026-002", "main", "passed", "2026-01-10 18:30:00", True),  # reconsidered: left out
    ("O-2026-002", "main", "failed", "2026-01-10 18:40:00", False),
    ("M-2026-005", "main", "failed", "2026-01-10 18:50:00", False),
    ("M-2026-005", "main", "passed", "2026-01-10 18:55:00", False),  # a passed vote wins over an earlier failed one
]


def _insert(conn, table, **values):
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    return conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values).scalar_one()


def _seed(conn):
    """The fewest rows the schema at e3a9c4b7d2f6 needs; ids from the database (PostgreSQL's sequences move on)."""
    bodies = [
        _insert(conn, "bodies", name=name, kind=kind, agenda_sections="[]", created_at=CREATED, version=1)
        for name, kind in (("City Commission", "commission"), ("Parks Board", "board"))
    ]
    member = _insert(conn, "members", full_name="Ana Ruiz", sort_name="Ruiz, Ana", created_at=CREATED)
    meetings = [
        _insert(
            conn,
            "meetings",
            body_id=body,
            kind="regular",
            title="Regular meeting",
            start_at=START,
            location="City Hall",
            status="adjourned",
            sequence=1,
            created_at=CREATED,
            updated_at=CREATED,
        )
        for body in bodies
    ]
    items = {}
    for position, (file_number, title, item_type, category, withdrawn_at, meeting) in enumerate(ITEMS, start=1):
        items[file_number] = _insert(
            conn,
            "agenda_items",
            meeting_id=meetings[meeting],
            section="New business",
            position=position,
            label=f"{position}.",
            title=title,
            body_md="",
            item_type=item_type,
            file_number=file_number,
            fiscal_impact="",
            public_comment_required=True,
            withdrawn_at=withdrawn_at,
            created_at=CREATED,
            agreement_category=category,
            version=1,
        )
    motions = []
    meeting_of = {file_number: meetings[meeting] for file_number, *_, meeting in ITEMS}
    for file_number, kind, result, closed_at, reconsidered in MOTIONS:
        motions.append(
            _insert(
                conn,
                "motions",
                meeting_id=meeting_of[file_number],
                agenda_item_id=items[file_number],
                kind=kind,
                text="Move to adopt",
                mover_id=member,
                previous_notice=False,
                threshold_basis="votes_cast",
                threshold_fraction="majority",
                threshold_min_yes=0,
                status="closed",
                result=result,
                made_at=closed_at,
                closed_at=closed_at,
                reconsidered_at="2026-01-10 19:00:00" if reconsidered else None,
            )
        )
    return bodies, meetings, items, motions


def _items(conn):
    return [
        tuple(row)
        for row in conn.execute(
            text("SELECT id, file_number, title, item_type, withdrawn_at IS NOT NULL FROM agenda_items ORDER BY id")
        )
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_agenda_items_become_matters_and_back(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as conn:
                bodies, meetings, items, motions = _seed(conn)
                before = _items(conn)

            upgrade(revision=MATTERS)
            with db.engine.connect() as conn:
                matters = conn.execute(
                    text(
                        "SELECT id, file_number, title, matter_type, status, body_id, summary FROM matters ORDER BY id"
                    )
                ).all()
                item_matters = conn.execute(
                    text("SELECT id, matter_id, file_number, reading FROM agenda_items ORDER BY id")
                ).all()
                actions = conn.execute(
                    text(
                        "SELECT ma.matter_id, ma.action, ma.meeting_id, ma.agenda_item_id, ma.motion_id "
                        "FROM matter_actions ma ORDER BY ma.matter_id, ma.at, ma.id"
                    )
                ).all()

            downgrade(revision=BEFORE)
            with db.engine.connect() as conn:
                after = _items(conn)
            inspector = inspect(db.engine)
            tables_after = set(inspector.get_table_names())
            item_columns = {column["name"] for column in inspector.get_columns("agenda_items")}
            item_uniques = [
                constraint["column_names"] for constraint in inspector.get_unique_constraints("agenda_items")
            ]

            upgrade(revision="head")
            with db.engine.connect() as conn:
                again = conn.execute(text("SELECT file_number, status FROM matters ORDER BY id")).all()
                unmatched = conn.execute(text("SELECT COUNT(*) FROM agenda_items WHERE matter_id IS NULL")).scalar()
            # A matter brought back to a second meeting: its items share the number the old schema kept unique,
            # so going back is refused (nothing deleted, nothing renumbered) and the database stays at the head.
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO agenda_items (meeting_id, section, position, label, title, body_md, item_type, "
                        "matter_id, file_number, reading, fiscal_impact, public_comment_required, created_at) "
                        "SELECT meeting_id, section, position + 1, label || 'b', title, body_md, item_type, matter_id, "
                        "file_number, reading, fiscal_impact, public_comment_required, created_at FROM agenda_items "
                        "WHERE file_number = 'R-2026-001'"
                    )
                )
            config = app.extensions["migrate"].migrate.get_config()
            with pytest.raises(RuntimeError, match="appear at more than one meeting.*Not downgrading"):
                command.downgrade(config, BEFORE)
            with db.engine.connect() as conn:
                still = conn.execute(text("SELECT COUNT(*) FROM matters")).scalar()
            db.engine.dispose()

    expected = {
        "R-2026-001": ("Parks master plan", "resolution", "adopted"),
        "O-2026-002": ("Noise ordinance", "ordinance", "failed"),
        "RPT-2026-003": ("Quarterly budget report", "report", "withdrawn"),
        "C-2026-004": ("Paving services agreement", "contract", "on_agenda"),
        "M-2026-005": ("Fee waiver for the fair", "other", "approved"),
    }
    # One matter per item, in the items' order, with the item's number, title, type, status and the meeting's body.
    assert [(m.file_number, m.title, m.matter_type, m.status, m.body_id, m.summary) for m in matters] == [
        (number, *expected[number], bodies[meeting], "") for number, *_, meeting in ITEMS
    ]
    matter_of = {m.file_number: m.id for m in matters}
    assert [tuple(row) for row in item_matters] == [
        (items[number], matter_of[number], number, "") for number, *_ in ITEMS
    ]

    meeting_of = {number: meetings[meeting] for number, *_, meeting in ITEMS}

    def steps(number, *rest):
        item, meeting = items[number], meeting_of[number]
        return [
            (matter_of[number], "introduced", meeting, item, None),
            (matter_of[number], "placed_on_agenda", meeting, item, None),
            *[(matter_of[number], action, meeting, item, motion) for action, motion in rest],
        ]

    assert [tuple(row) for row in actions] == [
        *steps("R-2026-001", ("adopted", motions[1])),
        *steps("O-2026-002", ("failed", motions[3])),
        *steps("RPT-2026-003", ("withdrawn", None)),
        *steps("C-2026-004"),
        *steps("M-2026-005", ("failed", motions[4]), ("approved", motions[5])),
    ]

    # Down: the items as they were, their numbers unique again, the matters' tables gone.
    assert after == before
    assert not {"matters", "matter_actions", "matter_relations"} & tables_after
    assert not {"matter_id", "reading"} & item_columns
    assert ["file_number"] in item_uniques

    # Up again to the head, with the data: every item has its matter again.
    assert [tuple(row) for row in again] == [(number, expected[number][2]) for number, *_ in ITEMS]
    assert unmatched == 0
    assert still == len(ITEMS)
