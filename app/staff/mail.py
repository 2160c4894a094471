"""The clerk's view of outgoing mail: every mailing with how many were queued, sent and failed, live progress while
it sends, the failed addresses with the mail server's answer, and "retry the failed ones".

Addresses are private (R12): these pages are for the clerks (editors) only.
"""

import re

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.decorators import contacts_required, login_gate
from app.auth.forms import EmptyForm
from app.core import audit, mail_progress, outbox
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.core.paging import page_of

bp = Blueprint("mail", __name__, url_prefix="/staff/mail")
bp.before_request(login_gate())

PER_PAGE = 50
TOPIC = re.compile(r"meeting:[0-9]{1,10}")


@bp.route("/")
@contacts_required
def index():
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    # Narrowed to one meeting's mail of one kind (the link from a meeting's page); anything else shows everything.
    topic = request.args.get("topic", "")
    topic = topic if TOPIC.fullmatch(topic) else None
    kind = request.args.get("kind", "")
    kind = outbox.MailingKind(kind) if kind in outbox.MailingKind._value2member_map_ else None
    pagination = page_of(mail_progress.mailings_query(topic=topic, kind=kind), page, PER_PAGE)
    return render_template(
        "mail/index.html",
        pagination=pagination,
        progress=mail_progress.progress(pagination.items),
        filters={k: v for k, v in {"topic": topic, "kind": kind and kind.value}.items() if v},
        kind=kind,
    )


@bp.route("/<id:mailing_id>")
@contacts_required
def detail(mailing_id: int):
    mailing = get_or_404(outbox.Mailing, mailing_id)
    problems = mail_progress.problems(mailing)
    if problems:  # residents' addresses on the page: on the record, who saw whose (issue 22)
        with attempt():
            audit.record(
                "contacts.view",
                mailing,
                f"{len(problems)} recipient address(es) shown on the mail page",
                actor=current_user._get_current_object(),
                data={"page": "mail", "outbox_messages": [message.id for message in problems]},
            )
    return render_template(
        "mail/detail.html",
        mailing=mailing,
        progress=mail_progress.progress([mailing])[mailing.id],
        problems=problems,
        form=EmptyForm(),
    )


@bp.route("/<id:mailing_id>/progress.json")
@contacts_required
def progress(mailing_id: int):
    """What the live progress bar reads, about once a second while the mailing sends."""
    mailing = get_or_404(outbox.Mailing, mailing_id)
    response = jsonify(mail_progress.progress([mailing])[mailing.id].as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<id:mailing_id>/retry", methods=["POST"])
@contacts_required
def retry(mailing_id: int):
    mailing = get_or_404(outbox.Mailing, mailing_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            count = outbox.retry_failed(mailing, actor=current_user)
        if done:
            if count:
                flash(
                    ngettext(
                        "%(num)d failed message is queued again.", "%(num)d failed messages are queued again.", count
                    ),
                    "success",
                )
            else:
                flash(_("No message of this mailing has failed."), "info")
    return redirect(url_for("mail.detail", mailing_id=mailing.id))
