"""One paginator for every paged list: Flask-SQLAlchemy's ``db.paginate`` (a count and one page: two queries)."""

from flask_sqlalchemy.pagination import Pagination

from app.extensions import db


def page_of(query, page: int, per_page: int, *, past_the_end: str = "last") -> Pagination:
    """``page`` of ``query``, whose ORDER BY must end in a unique column so pages never overlap or skip.

    ``past_the_end="last"`` (pages for people): a stale link or a typed number past the end shows the last page.
    ``"empty"`` (the API): a page past the end is empty, as a client paging with ``next`` links expects.
    """
    pagination = db.paginate(query, page=max(page, 1), per_page=per_page, max_per_page=per_page, error_out=False)
    if past_the_end == "last" and pagination.page > 1 and pagination.page > pagination.pages:
        pagination = db.paginate(query, page=max(pagination.pages, 1), per_page=per_page, error_out=False)
    return pagination
