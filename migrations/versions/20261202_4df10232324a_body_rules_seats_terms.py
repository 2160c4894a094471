"""body rules versioned, seats, terms with basis and end reason, member details

The rule columns of bodies move to body_rules (version 1 per body, copied); seats become rows; terms point at them.
BodyKind gains "advisory" (the CHECK is written again by hand: autogenerate does not compare CHECKs).

Revision ID: 4df10232324a
Revises: a5b6ece39c7b
Create Date: 2026-12-02 08:52:50.542790

"""

import datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "4df10232324a"
down_revision = "a5b6ece39c7b"
branch_labels = None
depends_on = None


KINDS_OLD = ("commission", "board", "committee")
KINDS_NEW = (*KINDS_OLD, "advisory")
RULE_COLUMNS = (
    "quorum_rule",
    "quorum_fixed",
    "quorum_in_person_only",
    "threshold_basis",
    "threshold_fraction",
    "threshold_min_yes",
    "roll_call_order",
    "seconds_required",
    "notice_special_block_hours",
    "notice_special_warn_hours",
    "notice_regular_warn_hours",
)


def _allow(column, values):
    return "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))


def _day(value):
    """A DATE or TIMESTAMP as read back by either driver, as a date."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _copy_rules_and_seats():
    """Each body's rule columns become version 1 of its rules, in force from the day the body was created (or its
    first term, if earlier); its seats are those its terms named, then "Seat N" up to its seat count."""
    bind = op.get_bind()
    bodies = (
        bind.execute(sa.text("SELECT id, seat_count, created_at, " + ", ".join(RULE_COLUMNS) + " FROM bodies"))
        .mappings()
        .all()
    )
    for body in bodies:
        terms = (
            bind.execute(
                sa.text(
                    "SELECT seat, seat_number, term_start_on FROM memberships WHERE body_id = :b ORDER BY seat_number"
                ),
                {"b": body["id"]},
            )
            .mappings()
            .all()
        )
        starts = [_day(t["term_start_on"]) for t in terms]
        since = min([_day(body["created_at"])] + starts)
        rules = {name: body[name] for name in RULE_COLUMNS}
        bind.execute(
            sa.text(
                "INSERT INTO body_rules (body_id, version, effective_on, vacancy_rule, note, created_at, created_by, "
                + ", ".join(RULE_COLUMNS)
                + ") VALUES (:body_id, 1, :since, 'count_vacant_seats', "
                "'Rules in force before versioning', :now, 'migration', "
                + ", ".join(f":{name}" for name in RULE_COLUMNS)
                + ")"
            ),
            {"body_id": body["id"], "since": since, "now": datetime.datetime.now(datetime.UTC), **rules},
        )
        seats = {}
        for t in terms:
            seats.setdefault(t["seat_number"], t["seat"])
        # Labels must tell seats apart (the setup pages and the CSV import find a seat by its label).
        used = set()
        for number in sorted(seats):
            label, n = seats[number], 2
            while label.lower() in used:
                label, n = f"{seats[number]} ({n})", n + 1
            seats[number] = label
            used.add(label.lower())
        number = max(seats, default=0)
        while len(seats) < body["seat_count"]:
            number += 1
            label = f"Seat {number}"
            while label.lower() in used:
                label += "*"
            seats[number] = label
            used.add(label.lower())
        for number, label in sorted(seats.items()):
            bind.execute(
                sa.text(
                    "INSERT INTO seats (body_id, number, label, selection, established_on) "
                    "VALUES (:b, :n, :label, 'elected', :since)"
                ),
                {"b": body["id"], "n": number, "label": label, "since": since},
            )


def _stamp_noticed_meetings():
    """A meeting already noticed keeps the rules it was noticed under: version 1, the copy of the old columns."""
    op.get_bind().execute(
        sa.text(
            "UPDATE meetings SET rules_id = (SELECT body_rules.id FROM body_rules WHERE body_rules.body_id = "
            "meetings.body_id AND body_rules.version = 1) WHERE first_published_at IS NOT NULL"
        )
    )


def _link_terms_to_seats():
    op.get_bind().execute(
        sa.text(
            "UPDATE memberships SET seat_id = (SELECT seats.id FROM seats WHERE seats.body_id = memberships.body_id "
            "AND seats.number = memberships.seat_number)"
        )
    )


def _restore_body_columns():
    """Downgrade: the body's latest rules and its seat count go back on the body, labels back on the terms."""
    bind = op.get_bind()
    for (body_id,) in bind.execute(sa.text("SELECT id FROM bodies")).all():
        latest = (
            bind.execute(
                sa.text(
                    "SELECT " + ", ".join(RULE_COLUMNS) + " FROM body_rules WHERE body_id = :b "
                    "ORDER BY effective_on DESC, version DESC LIMIT 1"
                ),
                {"b": body_id},
            )
            .mappings()
            .first()
        )
        seat_count = bind.execute(
            sa.text("SELECT count(*) FROM seats WHERE body_id = :b AND retired_on IS NULL"), {"b": body_id}
        ).scalar()
        values = dict(latest) if latest else {}
        values.setdefault("roll_call_order", "alphabetical_chair_last")
        if values["roll_call_order"] == "random":
            values["roll_call_order"] = "alphabetical_chair_last"
        sets = ", ".join(f"{name} = :{name}" for name in values)
        bind.execute(
            sa.text(f"UPDATE bodies SET seat_count = :seat_count{', ' + sets if sets else ''} WHERE id = :b"),
            {"b": body_id, "seat_count": max(seat_count or 1, 1), **values},
        )
    bind.execute(
        sa.text(
            "UPDATE memberships SET seat = (SELECT label FROM seats WHERE seats.id = memberships.seat_id), "
            "seat_number = (SELECT number FROM seats WHERE seats.id = memberships.seat_id)"
        )
    )
    bind.execute(sa.text("UPDATE bodies SET kind = 'board' WHERE kind = 'advisory'"))


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "body_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column(
            "quorum_rule",
            sa.Enum(
                "majority_of_seats",
                "fixed",
                name="body_quorum_rule",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("quorum_fixed", sa.Integer(), nullable=True),
        sa.Column("quorum_in_person_only", sa.Boolean(), nullable=False),
        sa.Column(
            "vacancy_rule",
            sa.Enum(
                "count_vacant_seats",
                "filled_seats_only",
                name="vacancy_rule",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "threshold_basis",
            sa.Enum(
                "votes_cast",
                "members_present",
                "full_membership",
                name="threshold_basis",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "threshold_fraction",
            sa.Enum(
                "majority",
                "two_thirds",
                "three_quarters",
                "four_fifths",
                "unanimous",
                name="threshold_fraction",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("threshold_min_yes", sa.Integer(), nullable=False),
        sa.Column(
            "roll_call_order",
            sa.Enum(
                "alphabetical_chair_last",
                "seat_order",
                "rotating",
                "random",
                name="body_roll_call_order",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("seconds_required", sa.Boolean(), nullable=False),
        sa.Column("notice_special_block_hours", sa.Integer(), nullable=False),
        sa.Column("notice_special_warn_hours", sa.Integer(), nullable=False),
        sa.Column("notice_regular_warn_hours", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "notice_special_warn_hours >= notice_special_block_hours",
            name=op.f("ck_body_rules_notice_warn_not_below_block"),
        ),
        sa.CheckConstraint(
            "quorum_fixed IS NULL OR quorum_fixed > 0", name=op.f("ck_body_rules_quorum_fixed_positive")
        ),
        sa.CheckConstraint("threshold_min_yes >= 0", name=op.f("ck_body_rules_min_yes_not_negative")),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_body_rules_body_id_bodies"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_rules")),
        sa.UniqueConstraint("body_id", "version", name=op.f("uq_body_rules_body_version")),
    )
    with op.batch_alter_table("body_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_body_rules_body_id"), ["body_id"], unique=False)

    op.create_table(
        "seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column(
            "selection",
            sa.Enum(
                "elected", "appointed", name="seat_selection", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.CheckConstraint("retired_on IS NULL OR retired_on >= established_on", name=op.f("ck_seats_seat_dates")),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_seats_body_id_bodies"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seats")),
        sa.UniqueConstraint("body_id", "number", name=op.f("uq_seats_body_number")),
    )
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seats_body_id"), ["body_id"], unique=False)

    _copy_rules_and_seats()

    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(op.f("ck_bodies_seat_count_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_bodies_quorum_fixed_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_bodies_body_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_bodies_body_quorum_rule"), type_="check")
        batch_op.drop_constraint(op.f("ck_bodies_threshold_basis"), type_="check")
        batch_op.drop_constraint(op.f("ck_bodies_threshold_fraction"), type_="check")
        batch_op.drop_constraint(op.f("ck_bodies_body_roll_call_order"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bodies_body_kind"), _allow("kind", KINDS_NEW))
        batch_op.drop_column("threshold_basis")
        batch_op.drop_column("threshold_fraction")
        batch_op.drop_column("quorum_rule")
        batch_op.drop_column("notice_regular_warn_hours")
        batch_op.drop_column("seat_count")
        batch_op.drop_column("roll_call_order")
        batch_op.drop_column("notice_special_block_hours")
        batch_op.drop_column("quorum_fixed")
        batch_op.drop_column("seconds_required")
        batch_op.drop_column("notice_special_warn_hours")
        batch_op.drop_column("threshold_min_yes")
        batch_op.drop_column("quorum_in_person_only")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_meetings_rules_id_body_rules"), "body_rules", ["rules_id"], ["id"], ondelete="RESTRICT"
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pronouns", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("bio", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=False, server_default=""))

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seat_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("is_vice_chair", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column(
                "basis",
                sa.Enum(
                    "elected",
                    "appointed",
                    "acting",
                    name="term_basis",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=False,
                server_default="elected",
            )
        )
        batch_op.add_column(
            sa.Column(
                "end_reason",
                sa.Enum(
                    "resigned",
                    "removed",
                    "died",
                    "term_limit",
                    "other",
                    name="term_end_reason",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )

    _link_terms_to_seats()
    _stamp_noticed_meetings()

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.alter_column("seat_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_memberships_seat_id"), ["seat_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_memberships_seat_id_seats"), "seats", ["seat_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.drop_column("seat")
        batch_op.drop_column("seat_number")

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seat_number", sa.INTEGER(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("seat", sa.VARCHAR(length=60), nullable=False, server_default=""))
    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quorum_in_person_only", sa.BOOLEAN(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("threshold_min_yes", sa.INTEGER(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("notice_special_warn_hours", sa.INTEGER(), nullable=False, server_default="72"))
        batch_op.add_column(sa.Column("seconds_required", sa.BOOLEAN(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("quorum_fixed", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("notice_special_block_hours", sa.INTEGER(), nullable=False, server_default="24"))
        batch_op.add_column(
            sa.Column(
                "roll_call_order", sa.VARCHAR(length=40), nullable=False, server_default="alphabetical_chair_last"
            )
        )
        batch_op.add_column(sa.Column("seat_count", sa.INTEGER(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("notice_regular_warn_hours", sa.INTEGER(), nullable=False, server_default="168"))
        batch_op.add_column(
            sa.Column("quorum_rule", sa.VARCHAR(length=40), nullable=False, server_default="majority_of_seats")
        )
        batch_op.add_column(
            sa.Column("threshold_fraction", sa.VARCHAR(length=40), nullable=False, server_default="majority")
        )
        batch_op.add_column(
            sa.Column("threshold_basis", sa.VARCHAR(length=40), nullable=False, server_default="members_present")
        )

    _restore_body_columns()

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_memberships_seat_id_seats"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_memberships_seat_id"))
        batch_op.drop_constraint(op.f("ck_memberships_term_basis"), type_="check")
        batch_op.drop_constraint(op.f("ck_memberships_term_end_reason"), type_="check")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("basis")
        batch_op.drop_column("is_vice_chair")
        batch_op.drop_column("seat_id")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_email")
        batch_op.drop_column("bio")
        batch_op.drop_column("pronouns")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_meetings_rules_id_body_rules"), type_="foreignkey")
        batch_op.drop_column("rules_id")

    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bodies_body_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bodies_body_kind"), _allow("kind", KINDS_OLD))
        batch_op.create_check_constraint(op.f("ck_bodies_seat_count_positive"), "seat_count > 0")
        batch_op.create_check_constraint(
            op.f("ck_bodies_quorum_fixed_positive"), "quorum_fixed IS NULL OR quorum_fixed > 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_bodies_body_quorum_rule"), _allow("quorum_rule", ("majority_of_seats", "fixed"))
        )
        batch_op.create_check_constraint(
            op.f("ck_bodies_threshold_basis"),
            _allow("threshold_basis", ("votes_cast", "members_present", "full_membership")),
        )
        batch_op.create_check_constraint(
            op.f("ck_bodies_threshold_fraction"),
            _allow("threshold_fraction", ("majority", "two_thirds", "three_quarters", "four_fifths", "unanimous")),
        )
        batch_op.create_check_constraint(
            op.f("ck_bodies_body_roll_call_order"),
            _allow("roll_call_order", ("alphabetical_chair_last", "seat_order", "rotating")),
        )
        batch_op.drop_column("retired_on")

    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seats_body_id"))

    op.drop_table("seats")
    with op.batch_alter_table("body_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_body_rules_body_id"))

    op.drop_table("body_rules")
    # ### end Alembic commands ###
