"""Where a matter came from: the department submission that became one of its agenda items (issue 20).

A placed submission keeps its agenda item (``Submission.agenda_item_id``) and the item its matter, so a matter's
submissions are those whose item belongs to it. app.legislation (the matter's history) sits below app.intake and
cannot read submissions: the faces ask here and hand the facts to their templates.

- ``public_steps``: what the public matter page may say, and nothing else: the department and the day it was
  first submitted, and the day it was approved for the agenda. One query of exactly those columns, so no name,
  email or comment of the city's staff can reach the page.
- ``staff_submissions``: the submissions with their route step by step (who, which step, when, the comments), for
  the staff matter page; whether a reader may see names and comments is intake's own rule (``access.can_see``).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.intake.models import StepAction, Submission, SubmissionState, SubmissionStep
from app.meetings.models import AgendaItem

#: Kinds of public steps (the public template's entry kinds).
SUBMITTED, APPROVED = "submitted", "approved_for_agenda"


@dataclass(frozen=True)
class PublicStep:
    kind: str
    at: datetime
    department: str


def public_steps(matter_id: int) -> list[PublicStep]:
    """For each placed submission of the matter: submitted by its department (the first time it entered the
    route) and approved for the agenda (the last approval, which made it ready to place); in time order."""
    rows = db.session.execute(
        select(Submission.id, Submission.department, SubmissionStep.action, SubmissionStep.created_at)
        .join(AgendaItem, AgendaItem.id == Submission.agenda_item_id)
        .join(SubmissionStep, SubmissionStep.submission_id == Submission.id)
        .where(
            AgendaItem.matter_id == matter_id,
            Submission.state == SubmissionState.placed,
            SubmissionStep.action.in_([StepAction.submitted, StepAction.approved]),
        )
        .order_by(Submission.id, SubmissionStep.created_at, SubmissionStep.id)
    ).all()
    submitted: dict[int, PublicStep] = {}
    approved: dict[int, PublicStep] = {}
    for row in rows:
        if row.action == StepAction.submitted:
            submitted.setdefault(row.id, PublicStep(SUBMITTED, row.created_at, row.department))
        else:
            approved[row.id] = PublicStep(APPROVED, row.created_at, row.department)
    return sorted([*submitted.values(), *approved.values()], key=lambda step: step.at)


def staff_submissions(matter_id: int) -> list[Submission]:
    """The matter's submissions (placed ones: those with an item), each with its submitter and its steps with their
    actors loaded; oldest first. Two queries."""
    return list(
        db.session.scalars(
            select(Submission)
            .join(AgendaItem, AgendaItem.id == Submission.agenda_item_id)
            .where(AgendaItem.matter_id == matter_id)
            .options(joinedload(Submission.submitter), selectinload(Submission.steps).joinedload(SubmissionStep.actor))
            .order_by(Submission.id)
        ).unique()
    )
