"""Public comment for residents, without an account: sign up to speak, the private link, written comments,
an item's speakers and comments, and the chamber display. Routes of the portal blueprint."""

import secrets

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from app.city.services import city_name
from app.core import live, outbox
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.forms import options
from app.core.outbox import MailingKind
from app.core.ratelimit import form_limit, submitted
from app.core.timeutil import utcnow
from app.core.web import format_local, local_datetime
from app.extensions import csrf, limiter
from app.live.labels import labels as live_labels
from app.meetings.models import AgendaItem, Meeting
from app.portal.views import bp, public_meeting_or_404
from app.public_comment import charts as comment_charts
from app.public_comment import forms
from app.public_comment import intake as comment_intake
from app.public_comment import notify as speaker_notify
from app.public_comment import policy as comment_policy
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment import tallies as comment_tallies
from app.public_comment import written as written_comments
from app.video import index as video_index
from app.votes import charts as vote_charts
from app.votes import reading as vote_record


def public_form_limit():
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


def _item_choices(meeting: Meeting):
    return options([(i.id, f"{i.label} {i.title}") for i in comment_policy.commentable_items(meeting)])


def _public_form(meeting_id: int, form_class):
    """The meeting, its comment policy and sign-up window, and the form with its items and one-time key."""
    meeting = public_meeting_or_404(meeting_id)
    policy = comment_policy.effective_policy(meeting)
    form = form_class()
    form.agenda_item_id.choices = _item_choices(meeting)
    if request.method == "GET":
        form.agenda_item_id.data = request.args.get("item", type=int)
        form.submission_key.data = secrets.token_urlsafe(16)
    form.disclaimer_version.data = comment_intake.DISCLAIMER_VERSION
    return meeting, policy, comment_policy.signup_window(meeting, policy=policy), form


def _chosen_item(form, meeting: Meeting) -> AgendaItem:
    item = next((i for i in meeting.items if i.id == form.agenda_item_id.data), None)
    if item is None:
        raise DomainError(_("Choose one of the items listed."), field="agenda_item_id")
    return item


def validate_public_form(form) -> bool:
    """Validate, turning a CSRF failure (a form left open for hours) into a message above the refilled form.

    These forms are exempt from the global CSRF check so a resident whose form expired loses nothing; the
    form's own CSRF field is still checked here.
    """
    valid = submitted(form)  # False, the form kept, when over the form limit (app/core/ratelimit.py)
    token_field = getattr(form, "csrf_token", None)  # absent when CSRF is switched off (tests)
    if token_field is not None and token_field.errors:
        token_field.errors = []
        form.form_errors.append(
            _(
                "This form expired or was sent from another page. Your answers are kept below: "
                "check them and submit again."
            )
        )
        return False
    return valid and not _honeypot_filled(form)


def _honeypot_filled(form) -> bool:
    if form.website.data:
        form.form_errors.append(_('Leave the last field ("Leave this field empty") empty, then submit again.'))
        return True
    return False


def _private_url(request_id: int, token: str, **kwargs) -> str:
    return url_for("portal.speaker_request", request_id=request_id, token=token, **kwargs)


def _queue_confirmation(speaker, token: str, *, again=False) -> bool:
    """Queue the private link for the resident's address, if they gave one, in the transaction that saves the
    request: the mail goes out once it commits (app/core/outbox.py), whatever the mail server's state now."""
    if not speaker.email:
        return False
    link = url_for("portal.speaker_request", request_id=speaker.id, token=token, _external=True)
    lines = [
        _("Hello %(name)s,", name=speaker.name),
        "",
        (
            _("Here is a new private link to your request to speak. The previous link no longer works.")
            if again
            else _("You are registered to speak.")
        ),
        "",
        _("Meeting: %(title)s", title=speaker.meeting.title),
        _("Date: %(date)s", date=format_local(speaker.meeting.start_at)),
        _("Item: %(item)s", item=f"{speaker.item.label} {speaker.item.title}"),
        _("Your position: %(stance)s", stance=speaker.stance.label),
    ]
    if speaker.queue_position:
        lines.append(_("Your place in the queue: %(place)s", place=speaker.queue_position))
    lines += [
        "",
        _("To see where you stand, change your request or withdraw it, open your private link:"),
        link,
        "",
        _("Keep this link private: anyone who has it can change your request."),
        "",
        city_name(),
    ]
    outbox.send(
        MailingKind.speaker_confirmation,
        speaker.email,
        _("Your request to speak: %(title)s", title=speaker.meeting.title),
        "\n".join(lines),
        topic=f"meeting:{speaker.meeting_id}",
        title=f"Request to speak: {speaker.name}",
        locale=str(get_locale()),
        sensitive=True,
    )
    return True


@bp.route("/meetings/<id:meeting_id>/speak", methods=["GET", "POST"])
@csrf.exempt
@form_limit(public_form_limit)
def speak(meeting_id: int):
    meeting, policy, window, form = _public_form(meeting_id, forms.SpeakForm)
    status = 200
    if request.method == "POST":
        status = 422
        if validate_public_form(form):
            with attempt(form) as done:
                registration = speaker_registration.register_speaker(
                    _chosen_item(form, meeting),
                    name=form.name.data,
                    **form.card_data(),
                    disclaimer_version=request.form.get("disclaimer_version"),
                    submission_key=form.submission_key.data or None,
                    locale=str(get_locale()),
                )
                speaker, token = registration.request, registration.token
                again = token is None and bool(speaker.email)  # registered before: a fresh link to the address on file
                if again:
                    token = speaker_registration.reissue_token(speaker)
                mailed = _queue_confirmation(speaker, token, again=again) if token else False
            if done:
                if again or token is None:
                    return render_template(
                        "portal/speak_existing.html", meeting=meeting, speaker=speaker, mailed=mailed
                    ), 200
                if mailed:
                    flash(_("We have emailed this link to you as well."), "info")
                return redirect(_private_url(speaker.id, token, registered=1))
        form.submission_key.data = form.submission_key.data or secrets.token_urlsafe(16)
    return render_template(
        "portal/speak.html",
        meeting=meeting,
        form=form,
        window=window,
        records_notice=comment_intake.records_notice(),
        policy=policy,
    ), status


def _request_or_404(request_id: int, token: str):
    speaker = speaker_registration.find_request(request_id, token)
    if speaker is None:
        abort(404)
    return speaker


def _private_headers(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return _("less than a minute")
    return ngettext("about %(num)d minute", "about %(num)d minutes", round(seconds / 60))


def _place_view(speaker) -> dict:
    """The place block of the private page, in words: the page renders it and place.json sends it to the script
    that refreshes it (static/js/place.js), so both say the same. No contact details: only what the page shows
    next to the place, and the name of the speaker at the podium (public anyway)."""
    place = speaker_queue.place_in_queue(speaker)
    status = speaker.status.value
    wait = _wait_words(place.wait_seconds)
    if place.is_next:
        summary = ""  # the alert says it
    elif place.place is not None and place.ahead:
        ahead = ngettext("%(num)d speaker is ahead of you.", "%(num)d speakers are ahead of you.", place.ahead)
        if place.taking_comment:
            predicted = _("Predicted wait: %(wait)s.", wait=wait)
        else:
            predicted = _("Predicted wait once comment on this item begins: %(wait)s.", wait=wait)
        summary = f"{ahead} {predicted}"
    elif place.place is not None:
        summary = _("You are next once comment on this item begins.")
    elif status == "called":
        summary = _("It is your turn: you have been called to speak.")
    else:
        summary = ""
    if place.heard:
        note = ngettext(
            "The prediction uses the average time of the %(num)d speaker heard so far on this item; the chair "
            "decides the order of business, so it can change.",
            "The prediction uses the average time of the %(num)d speakers heard so far on this item; the chair "
            "decides the order of business, so it can change.",
            place.heard,
        )
    else:
        note = _(
            "Until someone has spoken, the prediction counts each speaker's full time; the chair decides the "
            "order of business, so it can change."
        )
    return {
        "status": status,
        "status_label": str(speaker.status.label),
        "place": place.place,
        "ahead": place.ahead,
        "wait_seconds": place.wait_seconds,
        "wait": wait if place.place is not None else "",
        "summary": summary,
        "note": note if place.place is not None else "",
        "is_next": place.is_next,
        "alert": speaker_notify.alert_text(speaker) if place.is_next else "",
        "current_speaker": place.current,
        "current": _("At the podium now: %(name)s", name=place.current) if place.current else "",
        "as_of": _("Place as of %(time)s.", time=local_datetime(utcnow(), "h:mm:ss a")),
    }


def _private_page(speaker, token, form, status=200):
    response = current_app.make_response(
        (
            render_template(
                "portal/speaker_request.html",
                speaker=speaker,
                token=token,
                form=form,
                live=_place_view(speaker),
                stream=_stream_attrs(speaker),
                window=comment_policy.signup_window(speaker.meeting),
                registered=request.args.get("registered") == "1",
                policy=comment_policy.effective_policy(speaker.meeting),
            ),
            status,
        )
    )
    return _private_headers(response)


@bp.route("/speak/<id:request_id>-<token>", methods=["GET", "POST"])
@form_limit(public_form_limit)
def speaker_request(request_id: int, token: str):
    speaker = _request_or_404(request_id, token)
    form = forms.EditRequestForm(obj=speaker)
    if request.method == "GET":
        form.stance.data = speaker.stance.value
        form.participation.data = speaker.participation.value
    if request.method == "POST":
        if submitted(form):
            with attempt(form) as done:
                speaker_registration.update_request(speaker, **form.card_data())
            if done:
                flash(_("Your request is updated."), "success")
                return redirect(_private_url(speaker.id, token))
        return _private_page(speaker, token, form, 422)
    return _private_page(speaker, token, form)


@bp.route("/speak/<id:request_id>-<token>/place.json")
def speaker_place(request_id: int, token: str):
    """The private page's place block as JSON, for its script (static/js/place.js); the same token check."""
    speaker = _request_or_404(request_id, token)
    return _private_headers(jsonify(_place_view(speaker)))


WITHDRAWABLE = ("waiting", "checked_in")


@bp.route("/speak/<id:request_id>-<token>/withdraw", methods=["GET", "POST"])
@limiter.limit(public_form_limit, methods=["POST"])
def withdraw_request(request_id: int, token: str):
    """Withdrawing asks once: a GET, or a POST without ``confirm=yes``, shows the confirmation page (no script
    needed); only a POST with it (and the CSRF token, checked globally) withdraws."""
    speaker = _request_or_404(request_id, token)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        if speaker.status.value not in WITHDRAWABLE:
            return redirect(_private_url(speaker.id, token))
        page = render_template("portal/withdraw_confirm.html", speaker=speaker, token=token)
        return _private_headers(current_app.make_response(page))
    with attempt() as done:
        speaker_registration.withdraw_request(speaker)
    if done:
        flash(_("Your request to speak is withdrawn. Thank you for letting us know."), "success")
    return redirect(_private_url(speaker.id, token))


@bp.route("/meetings/<id:meeting_id>/comment", methods=["GET", "POST"])
@csrf.exempt
@form_limit(public_form_limit)
def written_comment(meeting_id: int):
    meeting, policy, window, form = _public_form(meeting_id, forms.WrittenCommentForm)
    status = 200
    if request.method == "POST":
        status = 422
        if validate_public_form(form):
            with attempt(form) as done:
                item = _chosen_item(form, meeting)
                written, created = written_comments.submit_written_comment(
                    item,
                    name=form.name.data,
                    stance=form.stance.data,
                    text=form.text.data,
                    email=form.email.data,
                    city=form.city.data,
                    disclaimer_version=request.form.get("disclaimer_version"),
                    submission_key=form.submission_key.data or None,
                )
            if done:
                flash(
                    _(
                        "Thank you. Your comment is received; it will appear on the item's page once the City "
                        "Clerk has published it."
                    )
                    if created
                    else _("We already have this comment; it was not sent twice."),
                    "success",
                )
                return redirect(url_for("portal.item", meeting_id=meeting.id, item_id=written.agenda_item_id))
        form.submission_key.data = form.submission_key.data or secrets.token_urlsafe(16)
    return render_template(
        "portal/written_comment.html",
        meeting=meeting,
        form=form,
        window=window,
        policy=policy,
        records_notice=comment_intake.records_notice(),
    ), status


@bp.route("/meetings/<id:meeting_id>/items/<id:item_id>")
def item(meeting_id: int, item_id: int):
    meeting = public_meeting_or_404(meeting_id)
    agenda_item = next((i for i in meeting.items if i.id == item_id), None)
    if agenda_item is None or meeting.agenda_published_at is None:
        abort(404)
    tally = comment_tallies.tallies(meeting.id).get(agenda_item.id) or comment_tallies.Tally.empty()
    policy = comment_policy.effective_policy(meeting)
    motions = vote_record.public_motions(meeting.id).get(agenda_item.id, [])
    return render_template(
        "portal/item.html",
        meeting=meeting,
        item=agenda_item,
        speakers=comment_tallies.public_speakers(agenda_item),
        written=comment_tallies.published_comments(agenda_item),
        tally=tally,
        window=comment_policy.signup_window(meeting, policy=policy),
        policy=policy,
        motions=motions,
        video=video_index.marks(meeting.id, logged=meeting.status.value in ("in_progress", "adjourned")),
        outcomes={m.id: vote_record.outcome_of(m) for m in motions if m.is_closed},
        seat_charts=vote_charts.seat_charts(motions),
        comment_chart=comment_charts.comment_chart(agenda_item.id, tally)
        if agenda_item.public_comment_required
        else None,
    )


def _stream_attrs(speaker) -> dict | None:
    """What the private page needs to follow the meeting's live stream while the resident is still in line."""
    if speaker.status.value not in ("waiting", "checked_in", "called") or speaker.queue_position is None:
        return None
    snapshot = live.latest(speaker.meeting_id)
    if snapshot is None:
        return None
    return {"version": snapshot[0], "payload": snapshot[1], "labels": live_labels()}
