"""Who may see and act on a submission."""

from app.auth.models import Role
from app.intake.models import Submission, SubmissionState


def sees_everything(user) -> bool:
    return user.role in (Role.admin, Role.clerk, Role.deputy_clerk)


def step_approvers(submission: Submission, index: int, users_by_id: dict | None = None) -> list[int]:
    """The ids of those who may act on step ``index`` of the submission's own route."""
    step = submission.route[index]
    ids = list(step.get("approver_ids") or [])
    if step.get("same_department") and users_by_id is not None:
        ids = [i for i in ids if i in users_by_id and (users_by_id[i].department or "") == submission.department]
    return ids


def can_act(user, submission: Submission) -> bool:
    if submission.state != SubmissionState.in_review or user.role == Role.viewer:
        return False
    step = submission.route[submission.current_step]
    if user.id not in (step.get("approver_ids") or []):
        return False
    return not step.get("same_department") or (user.department or "") == submission.department


def can_see(user, submission: Submission) -> bool:
    if sees_everything(user) or submission.submitter_id == user.id:
        return True
    if user.role == Role.department and user.department and user.department == submission.department:
        return True
    return any(user.id in (step.get("approver_ids") or []) for step in submission.route or [])


def can_edit(user, submission: Submission) -> bool:
    return submission.state in (SubmissionState.draft, SubmissionState.returned) and (
        submission.submitter_id == user.id
        or (user.role == Role.department and user.department == submission.department)
    )
