"""A seven-seat commission in session, with the roll taken and comment held on the resolution."""

from app.meetings import attendance, lifecycle
from app.public_comment import queue as speaker_queue

NAMES = [
    "Marisol Quintana",
    "Everett Lindqvist",
    "Rosalind Okafor",
    "Tobias Vandermeer",
    "Celestine Arbuckle",
    "Hollis Prendergast",
    "Ines Baptiste",
]


def make_commission(create_body, create_member, **body_settings):
    body = create_body(name="City Commission", seat_count=7, **body_settings)
    members = [
        create_member(body, full_name=n, seat_number=i, is_chair=i == 0, title="Mayor" if i == 0 else "Commissioner")
        for i, n in enumerate(NAMES)
    ]
    return body, members


def start(meeting, clock, db):
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    db.session.commit()


def roll_call(meeting, members, **by_first_name):
    statuses = {m.id: by_first_name.get(m.full_name.split()[0], "present_in_person") for m in members}
    return attendance.take_roll(meeting, statuses, actor=None)


def hold_comment(item):
    speaker_queue.open_period(item, actor=None)
    speaker_queue.close_period(item, actor=None)


def items(meeting):
    by_title = {i.title: i for i in meeting.items}
    return (
        by_title["General public comment"],
        by_title["Resolution on the 287(g) agreement"],
        by_title["Approval of minutes"],
    )


def adopt_six_to_one(meeting, item, members):
    """A main motion on ``item`` moved by the sixth member, seconded by the second, carried 6-1 (the fourth
    votes no) by roll call, and closed."""
    from app.votes import motions as motion_service
    from app.votes import roll_call as roll_call_service
    from app.votes.models import MotionKind, VoteChoice

    motion = motion_service.make_motion(
        meeting, kind=MotionKind.main, text="Move to adopt", item=item, mover_id=members[5].id,
        seconder_id=members[1].id, actor=None,
    )  # fmt: skip
    roll_call_service.open_vote(motion, actor=None)
    for member in members:
        choice = VoteChoice.no if member is members[3] else VoteChoice.yes
        roll_call_service.record_vote(motion, member.id, choice, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    return motion
