"""Every staff route x every role: anonymous -> login page, wrong role -> 403, right role -> 200/302."""

import pytest

from app.auth.models import Role

ANON, COMM, CLERK, ADMIN = "anonymous", "commissioner", "clerk", "admin"
ROLES = [ANON, COMM, CLERK, ADMIN]

# (method, url template, roles allowed, status when allowed)
MATRIX = [
    ("GET", "/dashboard/", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/account/password", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/admin/users", {ADMIN}, 200),
    ("GET", "/admin/users/new", {ADMIN}, 200),
    ("POST", "/admin/users/new", {ADMIN}, 422),  # empty form: allowed in, then refused with messages
    ("GET", "/admin/users/{target}", {ADMIN}, 200),
    ("POST", "/admin/users/{target}", {ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/admin/users/{target}/password", {ADMIN}, 422),
    ("POST", "/admin/users/{target}/deactivate", {ADMIN}, 302),
    ("POST", "/admin/users/{target}/reactivate", {ADMIN}, 302),
    ("GET", "/admin/audit", {ADMIN}, 200),
]


def test_matrix_covers_every_staff_route(app):
    """A new staff route must be added to the matrix above."""
    public = {"portal.home", "portal.set_language", "portal.healthz", "static", "auth.login", "auth.logout"}
    covered = set()
    for method, template, _, _ in MATRIX:
        adapter = app.url_map.bind("localhost")
        endpoint, _ = adapter.match(template.format(target=1), method=method)
        covered.add(endpoint)
    staff = {rule.endpoint for rule in app.url_map.iter_rules()} - public
    assert staff <= covered, f"staff routes missing from the access matrix: {staff - covered}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, allowed, ok_status", MATRIX, ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_access(client, login_as, create_user, role, method, template, allowed, ok_status):
    target = create_user(Role.clerk)
    if role != ANON:
        login_as(Role(role))
    url = template.format(target=target.id)
    response = client.open(url, method=method, data={})
    if role in allowed:
        assert response.status_code == ok_status
    elif role == ANON:
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    else:
        assert response.status_code == 403
        assert "Your account does not have access" in response.get_data(as_text=True)


def test_public_pages_need_no_account(client):
    for url in ["/", "/login", "/healthz"]:
        assert client.get(url).status_code == 200
