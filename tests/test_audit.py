import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.models import Role
from app.core import audit
from app.core.audit import AuditEntry, AuditLogIsAppendOnly


def test_services_write_audit_entries_with_actor(db, create_user):
    admin = create_user(Role.admin)
    clerk = create_user(Role.clerk)
    services.update_user(clerk, display_name="Renamed", role=Role.clerk, member_id=None, actor=admin)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
    assert entry.actor_id == admin.id and entry.actor_label == admin.email
    assert entry.target_type == "User" and entry.target_id == clerk.id
    assert entry.data["before"]["display_name"] != "Renamed"
    assert entry.data["after"]["display_name"] == "Renamed"
    assert entry.created_at.tzinfo is not None


def test_audit_entries_cannot_be_changed(db, create_user):
    user = create_user(Role.clerk)
    entry = audit.record("test.action", user, "original summary")
    db.session.commit()
    entry.summary = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).summary == "original summary"


def test_audit_entries_cannot_be_deleted(db, create_user):
    user = create_user(Role.clerk)
    entry = audit.record("test.action", user, "keep me")
    db.session.commit()
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id) is not None


def test_failed_logins_and_lockout_are_audited(client, create_user, db):
    user = create_user(Role.clerk)
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong-wrong-wrong"})
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == user.id)).all()
    assert "user.locked_out" in actions


def test_admin_sees_audit_log(client, login_as):
    login_as(Role.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user.login" in page and "user.create" in page
