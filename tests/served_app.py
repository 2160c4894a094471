"""The WSGI app the multi-process tests start under gunicorn: the test config, pointed at the test database.

DAIS_TEST_SERVE_DB is the database URL; DAIS_TEST_SERVE_SETTINGS a JSON object of extra config.
"""

import json
import os

from tests.conftest import make_app

app = make_app(os.environ["DAIS_TEST_SERVE_DB"], **json.loads(os.environ.get("DAIS_TEST_SERVE_SETTINGS", "{}")))
