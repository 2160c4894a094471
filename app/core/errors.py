"""Domain errors raised by services; views turn them into form errors or a 409."""


class DomainError(Exception):
    """A rule refused the change. ``message`` is already translated for the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
