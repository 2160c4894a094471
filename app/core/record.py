"""The language of the city's record. Minutes are written in it whatever language the clerk's screens are in."""

from flask import current_app
from flask_babel import force_locale

from app.core.timeutil import city_setting


def record_language() -> str:
    """The city's record language: the city profile's (through the provider app/city registers), else the
    default locale."""
    return city_setting("record_language", current_app.config["BABEL_DEFAULT_LOCALE"])


def in_record_language():
    """``with in_record_language():`` every label and sentence rendered inside is in the record's language."""
    return force_locale(record_language())
