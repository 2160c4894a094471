"""Shared form helpers."""

from app.core.errors import DomainError


def attach_error(form, exc: DomainError) -> None:
    """Show a service's refusal next to the field it names, or at the top of the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)
