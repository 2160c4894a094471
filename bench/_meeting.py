"""A meeting in session with N speakers waiting on one item, built through the app's own services (shared by
bench/live.py and bench/cockpit.py).

``in_session(env, speakers)`` runs ``SETUP`` with ``python -c`` in the instance's environment (so it uses the
instance's database, whichever it is): the demo's upcoming "Regular City Commission Meeting" (noticed, its
agenda published, sign-up open) gets speakers registered online on its resolution until the item has
``speakers`` in its queue (``register_speaker``, as the public form does: the demo already has 40 there), is
called to order by the demo clerk (early, with a reason, since it is noticed for 14 days from now), takes the
roll (all present) and takes up the resolution. Everything is audited as a clerk's work would be.
"""

import json
import subprocess
import sys

from bench._server import ROOT

MEETING_TITLE = "Regular City Commission Meeting"
ITEM_TITLE = "Resolution adopting the hurricane season emergency plan"
CLERK = "clerk@keywest.example"

SETUP = """
import json, time
from sqlalchemy import func, select
from app.auth.models import User
from app.extensions import db
from app.meetings import attendance, floor, lifecycle
from app.meetings.models import AgendaItem, Meeting
from app.public_comment import registration
from app.public_comment.intake import DISCLAIMER_VERSION
from app.public_comment.models import SpeakerRequest
from wsgi import app

with app.app_context():
    started = time.monotonic()
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == {meeting!r}).order_by(Meeting.start_at.desc()))
    item = db.session.scalar(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.title == {item!r})
    )
    clerk = db.session.scalar(select(User).where(User.email == {clerk!r}))
    have = db.session.scalar(
        select(func.count()).where(SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.queue_position.is_not(None))
    )
    for n in range(have, {speakers}):
        registration.register_speaker(
            item,
            name=f"Bench Speaker {{n:04d}}",
            stance="oppose" if n % 3 else "support",
            participation="in_person",
            email=f"speaker{{n}}@bench.example",
            disclaimer_version=DISCLAIMER_VERSION,
        )
        if n % 250 == 249:
            db.session.commit()
    db.session.commit()
    registered = time.monotonic() - started
    lifecycle.start_meeting(meeting, actor=clerk, early_reason="Benchmark: called to order ahead of its noticed time.")
    attendance.all_present(meeting, actor=clerk)
    floor.take_up(item, actor=clerk)
    db.session.commit()
    print(json.dumps({{"meeting": meeting.id, "item": item.id, "had": have, "registered": registered}}))
"""


def in_session(env: dict, speakers: int) -> dict:
    """{"meeting": id, "item": id, "had": speakers already there, "registered": seconds it took}."""
    code = SETUP.format(meeting=MEETING_TITLE, item=ITEM_TITLE, clerk=CLERK, speakers=speakers)
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"setting up the meeting failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
