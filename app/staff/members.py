"""Members and their terms: add a person once, then give them terms in seats; end a term early."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.decorators import editor_required, login_gate
from app.bodies import people, services
from app.bodies.forms import EndTermForm, MemberForm, TermForm
from app.bodies.models import Body, Member, Membership, TermBasis, TermEndReason
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.forms import options
from app.core.loaders import get_or_404
from app.extensions import db

bp = Blueprint("members", __name__, url_prefix="/staff/members")
bp.before_request(login_gate())


def _member_input(form: MemberForm) -> people.MemberInput:
    return people.MemberInput(
        full_name=form.full_name.data or "",
        sort_name=form.sort_name.data or "",
        pronouns=form.pronouns.data or "",
        bio=form.bio.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
    )


def _save_photo(member: Member, form: MemberForm) -> None:
    """A chosen file replaces the photo; the box removes it. A refused picture refuses the whole form."""
    upload = request.files.get(form.photo.name)
    if upload is not None and upload.filename:
        people.set_member_photo(member, upload, actor=current_user)
    elif form.remove_photo.data:
        people.remove_member_photo(member, actor=current_user)


@bp.route("/")
@editor_required
def index():
    members = db.session.scalars(
        select(Member)
        .options(selectinload(Member.memberships).joinedload(Membership.body))
        .order_by(Member.sort_name, Member.id)
    ).all()
    return render_template("members/index.html", members=members, today=services.today())


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = MemberForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            member = people.create_member(_member_input(form), actor=current_user)
            _save_photo(member, form)
        if done:
            flash(_("%(name)s added. Give them a term in a seat below.", name=member.full_name), "success")
            return redirect(url_for("members.edit", member_id=member.id))
    return render_template("members/new.html", form=form), 422 if form.errors else 200


def _seat_choices(bodies: list[Body]):
    today = services.today()
    return options(
        [("", _("Choose a seat"))]
        + [
            (seat.id, f"{body.name}: {seat.label}")
            for body in bodies
            if not body.is_retired
            for seat in body.seats
            if seat.retired_on is None or seat.retired_on > today
        ]
    )


def _page(member: Member, *, form=None, term_form=None):
    bodies = services.bodies_with_members(include_retired=False)
    if form is None:
        form = MemberForm(obj=member, formdata=None)
    if term_form is None:
        term_form = TermForm(prefix="term", formdata=None, data={"term_start_on": services.today()})
        term_form.basis.data = TermBasis.elected.value
    term_form.seat_id.choices = _seat_choices(bodies)
    status = 422 if form.errors or term_form.errors else 200
    return render_template(
        "members/edit.html", member=member, form=form, term_form=term_form, today=services.today()
    ), status


def _load(member_id: int) -> Member:
    return get_or_404(Member, member_id, selectinload(Member.memberships).joinedload(Membership.body))


@bp.route("/<id:member_id>", methods=["GET", "POST"])
@editor_required
def edit(member_id: int):
    member = _load(member_id)
    form = MemberForm(obj=member)
    if form.validate_on_submit():
        with attempt(form) as done:
            people.update_member(member, _member_input(form), actor=current_user)
            _save_photo(member, form)
        if done:
            flash(_("%(name)s saved.", name=member.full_name), "success")
            return redirect(url_for("members.edit", member_id=member.id))
    return _page(member, form=form)


@bp.route("/<id:member_id>/terms", methods=["POST"])
@editor_required
def add_term(member_id: int):
    member = _load(member_id)
    term_form = TermForm(prefix="term")
    term_form.seat_id.choices = _seat_choices(services.bodies_with_members(include_retired=False))
    if term_form.validate_on_submit():
        seat_id = term_form.seat_id.data
        body = next((b for b in services.bodies_with_members() if any(s.id == seat_id for s in b.seats)), None)
        with attempt(term_form) as done:
            if body is None:
                raise DomainError(_("Choose a seat."), field="seat_id")
            people.add_term(
                body,
                member,
                people.TermInput(
                    seat_id=seat_id,
                    term_start_on=term_form.term_start_on.data,
                    term_end_on=term_form.term_end_on.data,
                    title=term_form.title.data or "",
                    basis=TermBasis(term_form.basis.data),
                ),
                actor=current_user,
            )
        if done:
            flash(_("Term added for %(name)s.", name=member.full_name), "success")
            return redirect(url_for("members.edit", member_id=member.id))
    return _page(member, term_form=term_form)


def _term(term_id: int) -> Membership:
    return get_or_404(Membership, term_id, joinedload(Membership.body))


@bp.route("/terms/<id:term_id>/end", methods=["GET", "POST"])
@editor_required
def end_term(term_id: int):
    term = _term(term_id)
    form = EndTermForm(data={"end_on": services.today()} if request.method == "GET" else None)
    if form.validate_on_submit():
        with attempt(form, fields={"term_end_on": "end_on"}) as done:
            people.end_term(
                term,
                form.end_on.data,
                TermEndReason(form.reason.data) if form.reason.data else None,
                actor=current_user,
            )
        if done:
            flash(
                _(
                    "The term of %(name)s in %(seat)s ends on %(day)s.",
                    name=term.member.full_name,
                    seat=term.seat.label,
                    day=term.term_end_on.isoformat(),
                ),
                "success",
            )
            return redirect(url_for("members.edit", member_id=term.member_id))
    return render_template("members/end_term.html", term=term, form=form), 422 if form.errors else 200
