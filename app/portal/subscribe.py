"""Email subscriptions to new agendas for residents, without an account: subscribe, confirm, unsubscribe."""

from flask import abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body
from app.core.actions import attempt
from app.core.ratelimit import form_limit
from app.extensions import csrf, db, limiter
from app.portal.comment import public_form_limit, validate_public_form
from app.portal.views import bp
from app.subscriptions import services as subscriptions
from app.subscriptions.forms import SubscribeForm


def _private(response_tuple):
    """The link's secret is in the address: keep it out of caches and Referer headers."""
    response = current_app.make_response(response_tuple)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/subscribe", methods=["GET", "POST"])
@csrf.exempt  # checked by validate_public_form, so an expired form is shown back with what was typed
@form_limit(public_form_limit)
def subscribe():
    bodies = db.session.scalars(select(Body).order_by(Body.name)).all()
    form = SubscribeForm()
    form.body.choices = [("", _("Every commission and board"))] + [(str(b.id), b.name) for b in bodies]
    if request.method == "GET":
        form.body.data = request.args.get("body", "")
    status = 200
    if request.method == "POST":
        status = 422
        if validate_public_form(form):
            body = next((b for b in bodies if str(b.id) == form.body.data), None)
            with attempt(form) as done:
                pending = subscriptions.subscribe(form.email.data, body, locale=str(get_locale()))
            if done:
                return render_template("portal/subscribe_sent.html", email=pending.subscription.email), 200
    return render_template("portal/subscribe.html", form=form), status


@bp.route("/subscribe/<id:subscription_id>-<token>", methods=["GET", "POST"])
@limiter.limit(public_form_limit, methods=["POST"])
def subscription_confirm(subscription_id: int, token: str):
    """The double opt-in step. GET only shows a button: mail scanners that open links confirm nothing."""
    subscription = subscriptions.find_pending(subscription_id, token)
    if subscription is None:
        abort(404)
    done, error = subscription.is_active, None
    if request.method == "POST":
        with attempt(flash_error=False) as confirmed:
            subscriptions.confirm(subscription)
        done, error = bool(confirmed) or done, confirmed.error and confirmed.error.message
    return _private(
        (
            render_template("portal/subscription_confirm.html", subscription=subscription, done=done, error=error),
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
    if request.method == "POST":
        with attempt():
            subscriptions.unsubscribe(subscription)
    return _private(
        render_template(
            "portal/unsubscribe.html", subscription=subscription, done=subscription.unsubscribed_at is not None
        )
    )
