"""Mail about a submission, through the outbox in the transaction of the step: to those who may act on the step
it now waits on, and to its submitter when it moves (approved at a step, returned, rejected, placed)."""

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core import outbox
from app.core.outbox import MailingKind
from app.intake import access
from app.intake.models import StepAction


def _locale() -> str:
    return str(get_locale()) if has_request_context() else "en"


def _link(submission) -> str:
    try:
        return outbox.external_url("intake.detail", submission_id=submission.id)
    except RuntimeError:  # no request and no SERVER_NAME (a script): the message still says what happened
        return ""


def step_waiting(submission) -> None:
    from app.intake.workflow import users_by_id

    step = submission.route[submission.current_step]
    users = users_by_id(step.get("approver_ids") or [])
    for user_id in access.step_approvers(submission, submission.current_step, users):
        user = users[user_id]
        if not user.active:
            continue
        body = "\n".join(
            [
                _("Hello %(name)s,", name=user.display_name),
                "",
                _(
                    "“%(title)s” from %(department)s waits on your approval (step: %(step)s).",
                    title=submission.title,
                    department=submission.department,
                    step=step["name"],
                ),
                _link(submission),
            ]
        )
        outbox.send(
            MailingKind.intake_step,
            user.email,
            _("Waiting on your approval: %(title)s", title=submission.title),
            body,
            topic=f"submission:{submission.id}",
            title=f"Submission {submission.id} waiting on {step['name']}: {user.email}",
            locale=_locale(),
        )


def submitter(submission, action: StepAction, where: str, comment: str) -> None:
    user = submission.submitter
    if not user.active:
        return
    lines = [
        _("Hello %(name)s,", name=user.display_name),
        "",
        _("“%(title)s”: %(what)s (%(where)s).", title=submission.title, what=action.label, where=where),
    ]
    if comment:
        lines += ["", comment]
    lines += ["", _link(submission)]
    outbox.send(
        MailingKind.intake_step,
        user.email,
        _("Your submission: %(title)s", title=submission.title),
        "\n".join(lines),
        topic=f"submission:{submission.id}",
        title=f"Submission {submission.id} {action.value}: {user.email}",
        locale=_locale(),
    )
