"""app/documents/render.py on its own: what rendering may fetch, and what the ETag's sources digest covers."""

import pytest


@pytest.mark.parametrize("url", ["file:///etc/hostname", "http://127.0.0.1:9/x.png", "https://example.org/x.css"])
def test_rendering_fetches_nothing_but_data_uris(app, url):
    """A record's text can never make the server read a local file or call another server while rendering."""
    from app.documents.render import _fetcher

    with pytest.raises(ValueError, match="disallowed protocol"):
        _fetcher().fetch(url)
    assert _fetcher().fetch("data:text/plain,ok").read() == b"ok"


def test_a_changed_template_or_translation_changes_every_etag(monkeypatch, tmp_path):
    """Templates, their stylesheet and the compiled translations are part of the ETag (no version to bump)."""
    import shutil

    from app.documents import render

    for part in ("templates/documents", "static/css", "translations/es/LC_MESSAGES"):
        shutil.copytree(render.ROOT / part, tmp_path / part)
    monkeypatch.setattr(render, "ROOT", tmp_path)
    monkeypatch.setattr(render, "STYLESHEET", tmp_path / "static/css/document.css")
    digest = render.sources_digest.__wrapped__
    before = {lang: digest(lang) for lang in ("en", "es")}
    assert before["en"] != before["es"] and digest("en") == before["en"]
    with (tmp_path / "templates/documents/agenda.html").open("a") as template:
        template.write("\n")
    assert digest("en") != before["en"]
    edited = digest("es")
    (tmp_path / "translations/es/LC_MESSAGES/messages.mo").write_bytes(b"another catalog")
    assert digest("es") != edited
