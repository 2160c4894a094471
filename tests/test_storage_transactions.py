"""Files follow the database transaction (issue 16, "nothing lost"), on both backends: a rolled-back transaction
(or SAVEPOINT) removes the files written in it, a file let go of (a replaced or removed photo or logo) is removed
only once the change commits, and a rollback never takes a file that a committed row names."""

import io

import pytest
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.core import storage as storage_module
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.storage import delete_after_commit, put_in_transaction, storage
from app.meetings import documents
from app.meetings.models import Attachment
from tests.meetings_helpers import PDF

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Upload:
    def __init__(self, filename, data):
        self.filename = filename
        self.stream = io.BytesIO(data)


@pytest.fixture
def written(monkeypatch, backend):
    """Every key written to the storage during the test, in order (so a test can show the write happened)."""
    keys = []
    store = storage()
    put = store.put

    def spy(key, data, content_type):
        keys.append(key)
        put(key, data, content_type)

    monkeypatch.setattr(store, "put", spy)
    return keys


def _attach(item, name="report.pdf", data=PDF):
    return documents.add_attachment(item, filename=name, stream=io.BytesIO(data), amendment_reason="Late", actor=None)


def _files() -> set[str]:
    return {entry.key for entry in storage().list()}


# --- an upload whose transaction fails leaves no file ------------------------------------------------------------


def test_an_upload_rolled_back_leaves_no_file(app, written, open_meeting, db):
    meeting = open_meeting()
    db.session.commit()
    kept = _attach(meeting.items[0], "kept.pdf").stored_name
    db.session.commit()
    lost = _attach(meeting.items[0], "lost.pdf").stored_name
    assert written == [kept, lost] and storage().exists(lost)
    db.session.rollback()
    assert _files() == {kept}


def test_an_upload_whose_commit_fails_leaves_no_file_and_spares_the_committed_row_it_collided_with(
    app, written, open_meeting, db
):
    meeting = open_meeting()
    db.session.commit()
    item = meeting.items[0]
    first = _attach(item, "first.pdf")
    db.session.commit()
    second = _attach(item, "second.pdf").stored_name
    twin = Attachment(
        agenda_item_id=item.id,
        original_filename="twin.pdf",
        stored_name=first.stored_name,  # unique: the commit fails
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        created_at=first.created_at,
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert written == [first.stored_name, second]
    assert _files() == {first.stored_name}


def test_a_session_closed_without_commit_leaves_no_file(app, written, open_meeting, db):
    meeting = open_meeting()
    db.session.commit()
    lost = _attach(meeting.items[0]).stored_name
    db.session.remove()  # the end of a request that never committed
    assert written == [lost] and _files() == set()


def test_the_same_bytes_uploaded_twice_are_two_files_and_one_rollback_takes_only_its_own(
    app, written, open_meeting, db
):
    meeting = open_meeting()
    db.session.commit()
    first = _attach(meeting.items[0], "agenda.pdf")
    db.session.commit()
    second = _attach(meeting.items[1], "agenda.pdf")
    assert second.sha256 == first.sha256 and second.stored_name != first.stored_name  # names are never hashes
    db.session.rollback()
    assert _files() == {first.stored_name}
    assert storage().get(first.stored_name) == PDF


def test_a_savepoint_rolled_back_takes_its_files_and_one_released_hands_them_to_the_transaction(
    app, written, open_meeting, db
):
    meeting = open_meeting()
    db.session.commit()
    item = meeting.items[0]
    outside = _attach(item, "outside.pdf").stored_name
    with db.session.begin_nested():
        released = _attach(item, "released.pdf").stored_name
    with pytest.raises(RuntimeError), db.session.begin_nested():
        _attach(item, "refused.pdf")
        raise RuntimeError("refused")
    assert len(written) == 3 and _files() == {outside, released}
    db.session.rollback()  # the transaction around them: the released SAVEPOINT's file goes too
    assert _files() == set()

    with db.session.begin_nested():
        kept = _attach(item, "kept.pdf").stored_name
    db.session.commit()
    db.session.rollback()  # nothing left to roll back: the committed file stays
    assert _files() == {kept}


def test_a_refusal_after_the_write_rolls_back_the_attempt_and_its_file(app, written, open_meeting, db):
    meeting = open_meeting()
    db.session.commit()
    with attempt(flash_error=False) as done:
        _attach(meeting.items[0])
        raise DomainError("Refused after the file was written.")
    assert not done and len(written) == 1
    assert _files() == set()


def test_a_view_that_fails_after_the_write_leaves_no_file_and_keeps_the_old_one(
    app, written, client, login_as, create_member, db, monkeypatch
):
    from app.bodies import people
    from app.bodies.models import Member

    member = create_member()
    db.session.commit()
    login_as(Role.clerk)
    url, form = f"/staff/members/{member.id}", {"full_name": member.full_name, "sort_name": member.sort_name}

    def post():
        return client.post(url, data={**form, "photo": (io.BytesIO(PNG), "flo.png")})

    assert post().status_code == 302
    old = db.session.get(Member, member.id).photo_stored_name
    assert written == [old] and _files() == {old}
    record = people.audit.record

    def refuse(action, *args, **kwargs):
        if action == "member.photo":
            raise DomainError("The photo could not be recorded.", field="photo")
        return record(action, *args, **kwargs)

    monkeypatch.setattr(people.audit, "record", refuse)
    refused = post()  # a refusal in the view's SAVEPOINT: the form again
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert len(written) == 2 and _files() == {old}

    def fail(action, *args, **kwargs):
        if action == "member.photo":
            raise RuntimeError("the database went away")
        return record(action, *args, **kwargs)

    monkeypatch.setattr(people.audit, "record", fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert post().status_code == 500  # the whole transaction rolled back
    assert len(written) == 3 and _files() == {old}

    monkeypatch.setattr(people.audit, "record", record)
    assert post().status_code == 302  # committed: the new photo stays, the old one goes
    db.session.expire_all()
    new = db.session.get(Member, member.id).photo_stored_name
    assert written[-1] == new and _files() == {new}


# --- a file let go of is removed only once the change commits ----------------------------------------------------


def test_a_removed_photo_stays_when_the_removal_rolls_back_and_goes_when_it_commits(app, backend, create_member, db):
    from app.bodies.models import Member
    from app.bodies.people import remove_member_photo, set_member_photo

    member = create_member()
    set_member_photo(member, Upload("photo.svg", SVG), actor=None)
    db.session.commit()
    photo = member.photo_stored_name

    remove_member_photo(member, actor=None)
    assert storage().exists(photo)  # not before the commit
    db.session.rollback()
    assert db.session.get(Member, member.id).photo_stored_name == photo and storage().exists(photo)

    remove_member_photo(member, actor=None)
    db.session.add(Attachment(stored_name="x"))  # NOT NULL columns missing: the commit fails
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Member, member.id).photo_stored_name == photo and storage().exists(photo)

    remove_member_photo(member, actor=None)
    db.session.commit()
    assert not storage().exists(photo)


def test_a_replaced_photo_goes_after_the_commit_and_a_rolled_back_replacement_keeps_the_old_one(
    app, written, create_member, db
):
    from app.bodies.people import set_member_photo

    member = create_member()
    set_member_photo(member, Upload("photo.svg", SVG), actor=None)
    db.session.commit()
    old = member.photo_stored_name

    set_member_photo(member, Upload("photo.png", PNG), actor=None)
    refused = member.photo_stored_name
    db.session.rollback()
    assert _files() == {old} and member.photo_stored_name == old

    set_member_photo(member, Upload("photo.png", PNG), actor=None)
    new = member.photo_stored_name
    assert _files() == {old, new}  # both, until the commit
    db.session.commit()
    assert _files() == {new}
    assert written == [old, refused, new]


def test_a_replaced_and_a_removed_logo_go_only_after_the_commit(app, backend, set_city, db):
    from app.city.services import current_city, forget_city, update_city_profile

    values = {"name_en": "Town of Example", "timezone": "America/New_York", "record_language": "en"}
    set_city(logo=Upload("logo.png", PNG))
    old = current_city().logo_stored_name

    update_city_profile(**values, logo=Upload("logo.svg", SVG), actor_label="test")
    db.session.rollback()
    forget_city()
    assert current_city().logo_stored_name == old and _files() == {old}

    set_city(logo=Upload("logo.svg", SVG))
    forget_city()
    new = current_city().logo_stored_name
    assert _files() == {new}

    update_city_profile(**values, remove_logo=True, actor_label="test")
    assert storage().exists(new)
    db.session.rollback()
    assert storage().exists(new)
    set_city(remove_logo=True)
    assert _files() == set()


def test_a_file_that_cannot_be_removed_after_the_commit_does_not_undo_it(
    app, backend, create_member, db, monkeypatch, caplog
):
    from app.bodies.models import Member
    from app.bodies.people import remove_member_photo, set_member_photo

    member = create_member()
    set_member_photo(member, Upload("photo.svg", SVG), actor=None)
    db.session.commit()
    photo = member.photo_stored_name

    def unreachable(key):
        raise OSError("storage unreachable")

    monkeypatch.setattr(storage(), "delete", unreachable)
    remove_member_photo(member, actor=None)
    db.session.commit()  # no error: the row is saved, the file is an orphan for `flask storage gc`
    db.session.expire_all()
    assert db.session.get(Member, member.id).photo_stored_name is None
    assert storage().exists(photo)
    assert f"Could not remove stored file {photo}" in caplog.text


def test_notes_are_settled_once(app, backend, db):
    put_in_transaction("a" * 32, b"x", "application/pdf")
    delete_after_commit("a" * 32)
    delete_after_commit(None)  # nothing to let go of
    assert len(db.session.info[storage_module.PENDING_KEY]) == 2
    db.session.commit()
    assert db.session.info[storage_module.PENDING_KEY] == [] and _files() == set()
    db.session.rollback()
    assert _files() == set()
