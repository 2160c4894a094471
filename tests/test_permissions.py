"""The role matrix is declared once (app/auth/permissions.py) and is what the site enforces (issue 22)."""

from pathlib import Path

from app.auth.models import Role
from app.auth.permissions import GRANTS, Permission, markdown
from tests.test_access import ANON, MATRIX, PUBLIC_STAFF_ENDPOINTS, url_for_template

DOCS = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def _staff_endpoints(app):
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith(("portal.", "api.")) and rule.endpoint not in PUBLIC_STAFF_ENDPOINTS
    }


def test_every_staff_route_names_a_permission(app):
    """A staff route without @permission_required (or one of its short names) fails here, whatever its login gate."""
    missing = sorted(e for e in _staff_endpoints(app) if getattr(app.view_functions[e], "permission", None) is None)
    assert not missing, f"staff routes that name no permission: {missing}"


def test_each_role_reaches_exactly_what_the_matrix_grants(app):
    """The access test (tests/test_access.py) tries every row as every role; here each row's allowed roles must be
    the matrix's grant for the permission its route names, so the two cannot drift apart."""
    adapter = app.url_map.bind("localhost")
    for method, template, allowed, _status in MATRIX:
        endpoint, _args = adapter.match(url_for_template(template), method=method)
        permission = app.view_functions[endpoint].permission
        granted = {role.value for role in GRANTS[permission]}
        assert set(allowed) - {ANON} == granted, (method, template, permission.value)


def test_the_clerks_are_equal_and_contact_details_stay_with_them():
    for permission in Permission:
        assert (Role.clerk in GRANTS[permission]) == (Role.deputy_clerk in GRANTS[permission]), permission
    assert GRANTS[Permission.see_contacts] == {Role.clerk, Role.deputy_clerk}
    assert Role.viewer not in GRANTS[Permission.act_for_seat] | GRANTS[Permission.edit_record]


def test_the_staff_page_and_the_docs_show_the_same_table(client, login_as):
    login_as(Role.viewer)
    page = client.get("/staff/roles").get_data(as_text=True)
    for permission in Permission:
        assert str(permission.label).replace("'", "&#39;") in page
    assert markdown() in DOCS.read_text(), "docs/security.md: paste the output of `flask roles` again"
