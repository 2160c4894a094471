"""The city itself: its profile (names, logo, time zone, record language, notices) and first-run setup."""

#: Where app.core finds the city's settings (app/core/timeutil.py): a callable returning the profile snapshot.
PROVIDER_KEY = "dais.city"


def init_app(app) -> None:
    """Register the profile as the city settings provider and give every template ``city``, ``city_name``,
    ``city_named`` and ``city_logo_url``.

    The context processor runs before the template renders, so the profile's one query is never a query in a
    template (tests/template_queries.py)."""
    from flask import url_for
    from flask_babel import get_locale

    from app.city.services import current_city

    app.extensions[PROVIDER_KEY] = current_city

    @app.before_request
    def load_city():
        """Load the profile before the view (after app/errors.py has opened a writing request's transaction):
        every later use in the request, an error page included, reads it from flask.g without a query."""
        from flask import request

        if request.endpoint != "static":
            current_city()

    @app.context_processor
    def city_context():
        city = current_city()
        logo_url = None
        if city.logo_sha256 and city.logo_extension and "city.logo" in app.view_functions:
            logo_url = url_for("city.logo", digest=city.logo_sha256, ext=city.logo_extension)
        name = city.name(str(get_locale()))
        # city_name is never empty (sentences such as "%(city)s public meetings" use it); city_named says
        # whether the city has a name yet ("Dais" stands in until then).
        return {"city": city, "city_name": name or "Dais", "city_named": bool(name), "city_logo_url": logo_url}
