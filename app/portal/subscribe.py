"""Email subscriptions for residents, without an account: subscribe to a follow, confirm, manage, unsubscribe.

``/subscribe`` takes what to follow from its address, so every page can link to it pre-filled:
``?body=<id>``, ``?topic=<slug>``, ``?keyword=<words>``, ``?member=<id>``, ``?agreement=<id>``, ``?item=<id>``.
``/subscriptions/<id>-<secret>`` is the subscriber's private page (its link is in every message).
"""

from flask import abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body, Member
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.ratelimit import form_limit
from app.extensions import csrf, db, limiter
from app.legislation.models import Agreement
from app.meetings.models import AgendaItem
from app.portal.comment import public_form_limit, validate_public_form
from app.portal.views import bp
from app.subscriptions import services as subscriptions
from app.subscriptions.forms import DigestForm, FollowFields, SubscribeForm
from app.subscriptions.models import Digest, FollowKind
from app.topics.models import Topic

_ARGS = ("body", "topic", "keyword", "member", "agreement")


def _private(response_tuple):
    """The link's secret is in the address: keep it out of caches and Referer headers."""
    response = current_app.make_response(response_tuple)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _public_item(value) -> AgendaItem | None:
    """An agenda item a resident may follow: on a published agenda of a public meeting."""
    try:
        item_id = int(value or "")
    except ValueError:
        return None
    if not 0 < item_id < 2**31:
        return None
    item = db.session.get(AgendaItem, item_id)
    if item is None or not item.meeting.is_public or item.meeting.agenda_published_at is None:
        return None
    return item


def _fill_choices(form: FollowFields) -> dict:
    """The choices of each select, and the records they name (by the value the form sends)."""
    bodies = db.session.scalars(select(Body).order_by(Body.name)).all()
    topics = db.session.scalars(select(Topic).where(Topic.retired_at.is_(None)).order_by(Topic.name)).all()
    members = db.session.scalars(select(Member).order_by(Member.sort_name)).all()
    agreements = db.session.scalars(select(Agreement).order_by(Agreement.title)).all()
    form.body.choices = [("", _("Every commission and board"))] + [(str(b.id), b.name) for b in bodies]
    form.topic.choices = [("", _("Choose a topic"))] + [(t.slug, t.name) for t in topics]
    form.member.choices = [("", _("Choose a member"))] + [(str(m.id), m.full_name) for m in members]
    form.agreement.choices = [("", _("Choose an agreement"))] + [(str(a.id), a.title) for a in agreements]
    item = _public_item(form.item.data)
    if item is not None:
        form.kind.choices = [*form.kind.choices, (FollowKind.item.value, FollowKind.item.label)]
    return {
        "body": {str(b.id): b for b in bodies},
        "topic": {t.slug: t for t in topics},
        "member": {str(m.id): m for m in members},
        "agreement": {str(a.id): a for a in agreements},
        "item": item,
    }


def _prefill(form: FollowFields) -> None:
    """``?topic=police`` and the like: the form opens on that follow."""
    if request.args.get("item"):
        form.item.data = request.args["item"][:12]
        form.kind.data = FollowKind.item.value
    for name in _ARGS:
        value = request.args.get(name)
        if value is not None and len(value) <= 200:
            getattr(form, name).data = value
            if value or name == "body":
                form.kind.data = name


def _wanted(form: FollowFields, found: dict) -> subscriptions.Wanted:
    kind = FollowKind(form.kind.data)
    if kind == FollowKind.item:
        if found["item"] is None:
            raise DomainError(_("Choose an agenda item."), field="kind")
        return subscriptions.Wanted(kind, item=found["item"])
    if kind == FollowKind.keyword:
        return subscriptions.Wanted(kind, keyword=form.keyword.data)
    record = found[kind.value].get(getattr(form, kind.value).data or "")
    return subscriptions.Wanted(kind, **{kind.value: record})


def _offered_item(found: dict):
    item = found["item"]
    return {"title": item.title, "meeting": item.meeting.title} if item is not None else None


@bp.route("/subscribe", methods=["GET", "POST"])
@csrf.exempt  # checked by validate_public_form, so an expired form is shown back with what was typed
@form_limit(public_form_limit)
def subscribe():
    form = SubscribeForm()
    if request.method == "GET":
        _prefill(form)
    found = _fill_choices(form)
    status = 200
    if request.method == "POST":
        status = 422
        if validate_public_form(form):
            with attempt(form) as done:
                pending = subscriptions.subscribe(
                    form.email.data,
                    _wanted(form, found),
                    locale=str(get_locale()),
                    digest=Digest(form.digest.data),
                )
            if done:
                return render_template("portal/subscribe_sent.html", email=pending.subscription.email), 200
    return render_template("portal/subscribe.html", form=form, item=_offered_item(found)), status


def _follow_rows(subscription) -> list[dict]:
    return [
        {"id": f.id, "what": subscriptions.describe(f), "waiting": f.confirmed_at is None}
        for f in subscription.live_follows
    ]


@bp.route("/subscribe/<id:subscription_id>-<token>", methods=["GET", "POST"])
@limiter.limit(public_form_limit, methods=["POST"])
def subscription_confirm(subscription_id: int, token: str):
    """The double opt-in step. GET only shows a button: mail scanners that open links confirm nothing."""
    subscription = subscriptions.find_pending(subscription_id, token)
    if subscription is None:
        abort(404)
    waiting = [f for f in subscription.live_follows if f.confirmed_at is None]
    done, error = subscription.is_active and not waiting, None
    asked = [subscriptions.describe(f) for f in (waiting or subscription.live_follows)]
    if request.method == "POST":
        with attempt(flash_error=False) as confirmed:
            subscriptions.confirm(subscription)
        done, error = bool(confirmed) or done, confirmed.error and confirmed.error.message
    manage = subscriptions.manage_link(subscription) if done else None
    return _private(
        (
            render_template(
                "portal/subscription_confirm.html", asked=asked, done=done, error=error, manage_link=manage
            ),
            409 if error else 200,
        )
    )


@bp.route("/unsubscribe/<id:subscription_id>-<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" with no form; the link's secret is proof
@limiter.limit(public_form_limit, methods=["POST"])
def unsubscribe(subscription_id: int, token: str):
    subscription = subscriptions.find_for_unsubscribe(subscription_id, token)
    if subscription is None:
        abort(404)
    follows = _follow_rows(subscription)
    if request.method == "POST":
        with attempt():
            subscriptions.unsubscribe(subscription)
    return _private(
        render_template("portal/unsubscribe.html", follows=follows, done=subscription.unsubscribed_at is not None)
    )


@bp.route("/subscriptions/<id:subscription_id>-<token>", methods=["GET", "POST"])
@limiter.limit(public_form_limit, methods=["POST"])
def manage(subscription_id: int, token: str):
    """The subscriber's own page: what it follows (each with a stop button), add a follow, how often, end all."""
    subscription = subscriptions.find_for_manage(subscription_id, token)
    if subscription is None:
        abort(404)
    add_form = FollowFields(prefix="add")
    digest_form = DigestForm(prefix="digest", data={"digest": subscription.digest.value})
    found = _fill_choices(add_form)
    status, message = 200, None
    action = request.form.get("action", "") if request.method == "POST" else ""
    if action == "add":
        status = 422
        if add_form.validate():
            with attempt(add_form) as done:
                subscriptions.add_follow(subscription, _wanted(add_form, found))
            if done:
                status, message = 200, _("Added.")
                add_form = FollowFields(prefix="add", formdata=None)
                _fill_choices(add_form)
    elif action == "digest":
        status = 422
        if digest_form.validate():
            with attempt(digest_form) as done:
                subscriptions.set_digest(subscription, Digest(digest_form.digest.data))
            if done:
                status, message = 200, _("Saved.")
    elif action == "stop":  # the CSRF token is checked for every POST here (the app's CSRFProtect)
        follow_id = request.form.get("follow", "")
        with attempt(flash_error=False) as done:
            subscriptions.end_follow(subscription, int(follow_id) if follow_id.isdigit() else 0)
        status, message = (200, _("Stopped.")) if done else (422, done.error.message)
    elif action == "end":
        with attempt(flash_error=False):
            subscriptions.unsubscribe(subscription)
        message = _("Done: nothing more will be sent to this address.")
    elif request.method == "POST":
        status = 400
    return _private(
        (
            render_template(
                "portal/subscriptions_manage.html",
                follows=_follow_rows(subscription),
                ended=subscription.unsubscribed_at is not None,
                confirmed=subscription.confirmed_at is not None,
                digest=subscription.digest,
                add_form=add_form,
                digest_form=digest_form,
                item=None,
                message=message,
            ),
            status,
        )
    )
