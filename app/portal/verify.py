"""/verify: how a resident checks a meeting's record digest (issue 16, a record that proves itself)."""

from flask import render_template, url_for

from app.portal.views import bp

#: The resident's check, shown on the page and run by tests/test_record_integrity.py against the API's JSON.
SNIPPET = """import hashlib, json, urllib.request

url = "{url}"
doc = json.load(urllib.request.urlopen(url))
text = json.dumps(doc["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
print(digest)
print("matches" if digest == doc["record_digest"] else "DOES NOT MATCH")"""


@bp.route("/verify")
def verify():
    example = url_for("api.meeting_record", meeting_id=1, _external=True).replace("/1/", "/NUMBER/")
    return render_template("portal/verify.html", snippet=SNIPPET.format(url=example))
