"""Public comment on an item as a picture (issue 19): support / oppose / neutral, spoken and written, and the speaking
time used. Plain data for templates/charts/comment_bars.html, from the item's tally (one grouped query,
``tallies.tallies``, which also sums the speaking time)."""

from dataclasses import dataclass

from app.public_comment.models import Stance
from app.public_comment.tallies import Tally


@dataclass
class StanceRow:
    stance: Stance
    spoken: int
    written: int
    position: int

    @property
    def total(self) -> int:
        return self.spoken + self.written + self.position


@dataclass
class CommentChart:
    item_id: int
    rows: list[StanceRow]
    speakers: int
    seconds_used: int
    seconds_allotted: int

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def widest(self) -> int:
        """The longest bar's number (the scale), at least 1."""
        return max([1] + [n for r in self.rows for n in (r.spoken, r.written, r.position)])

    @property
    def has_position(self) -> bool:
        return any(r.position for r in self.rows)

    @property
    def minutes_used(self) -> int:
        return round(self.seconds_used / 60)

    @property
    def minutes_allotted(self) -> int:
        return round(self.seconds_allotted / 60)


def comment_chart(item_id: int, tally: Tally) -> CommentChart | None:
    """The chart of an item's comment, or None when nobody commented (nothing to draw). No query of its own."""
    rows = [StanceRow(s, tally.spoken[s], tally.written[s], tally.position[s]) for s in Stance]
    chart = CommentChart(item_id, rows, tally.heard, tally.seconds_used, tally.seconds_allotted)
    return chart if chart.total or chart.speakers else None
