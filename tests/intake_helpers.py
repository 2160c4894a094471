from datetime import timedelta

from app.auth.models import Role
from app.extensions import db
from app.intake import routes
from tests.meetings_helpers import PDF  # noqa: F401


def three_step_route(create_user):
    """Department head (Public Works), legal, city manager; returns (head, legal, manager)."""
    head = create_user(Role.department, display_name="Head of Public Works")
    head.department = "Public Works"
    legal = create_user(Role.department, display_name="City Attorney")
    legal.department = "Legal"
    manager = create_user(Role.clerk, display_name="City Manager")
    db.session.commit()
    routes.save_route(
        [
            {"name": "Department head", "approver_ids": [head.id], "same_department": True},
            {"name": "Legal", "approver_ids": [legal.id]},
            {"name": "City Manager", "approver_ids": [manager.id]},
        ],
        close_days=10,
        actor=None,
    )
    db.session.commit()
    return head, legal, manager


def regular_meeting(create_meeting, days=30):
    return create_meeting(kind="regular", start_in=timedelta(days=days), title="Regular meeting")
