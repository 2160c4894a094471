"""The clerk's forms for captions: the upload, and a passage's speaker."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField

LANGUAGES = [("en", _l("English")), ("es", _l("Spanish"))]


class CaptionUploadForm(FlaskForm):
    file = FileField(_l("Caption file: WebVTT (.vtt) or SubRip (.srt), UTF-8, up to 50 MB"))
    language = SelectField(_l("Language of the captions"), choices=LANGUAGES, default="en")


class PassageSpeakerForm(FlaskForm):
    speaker = SelectField(_l("Speaker"), choices=[], validate_choice=False)
