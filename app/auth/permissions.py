"""The role matrix, declared once: what each role may do.

Every staff route names one permission (``@permission_required(Permission.edit_record)``, or one of the short
names below); templates ask ``current_user.can("see_contacts")``; the staff page ``/staff/roles``, the command
``flask roles`` and ``docs/security.md`` show this same table; ``tests/test_permissions.py`` walks the URL map and
fails on a staff route that names no permission, and checks that each role reaches exactly what the table says.
"""

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.core.enums import LabeledEnum


class Permission(LabeledEnum):
    read_staff = "read_staff", _l("Read the staff pages, drafts included")
    own_account = "own_account", _l("Look after one's own password, devices and second factor")
    act_for_seat = "act_for_seat", _l("Move, second and disclose for one's own seat (clerks: for any seat)")
    vote_own_seat = "vote_own_seat", _l("Cast one's own vote from one's seat")
    edit_record = "edit_record", _l("Change the record: meetings, agendas, the queue, votes, minutes, legislation")
    see_contacts = "see_contacts", _l("See residents' contact details, accommodation needs and outgoing mail")
    administer = "administer", _l("Administer staff accounts, sign-in security and the audit log")
    intake = "intake", _l("Draft items for the agenda and act on the approval steps one is named on")


_EVERYONE = frozenset(Role)
_CLERKS = frozenset({Role.clerk, Role.deputy_clerk})

#: The matrix. Clerks and deputy clerks are equal everywhere; administrators change the record too but do not
#: see residents' contact details (least privilege: the clerk's office handles those); viewers only read.
GRANTS: dict[Permission, frozenset[Role]] = {
    # Department staff see only their own department's submissions (app.intake), not the staff pages.
    Permission.read_staff: _EVERYONE - {Role.department},
    Permission.own_account: _EVERYONE,
    Permission.act_for_seat: _EVERYONE - {Role.viewer, Role.department},
    Permission.vote_own_seat: frozenset({Role.commissioner}),
    Permission.edit_record: _CLERKS | {Role.admin},
    Permission.see_contacts: _CLERKS,
    Permission.administer: frozenset({Role.admin}),
    Permission.intake: _EVERYONE - {Role.viewer},
}


def allows(role: Role, permission: Permission | str) -> bool:
    return role in GRANTS[Permission(permission)]


def matrix_rows() -> list[tuple[Permission, list[bool]]]:
    """The table as rows of (permission, one flag per role in ``Role`` order)."""
    return [(permission, [role in GRANTS[permission] for role in Role]) for permission in Permission]


def markdown() -> str:
    """The table for docs/security.md (``flask roles``), in English."""
    header = "| Permission | " + " | ".join(str(role.label) for role in Role) + " |"
    rule = "|---|" + "---|" * len(Role)
    rows = [
        f"| {permission.label} (`{permission.value}`) | " + " | ".join("yes" if flag else "—" for flag in flags) + " |"
        for permission, flags in matrix_rows()
    ]
    return "\n".join([header, rule, *rows])
