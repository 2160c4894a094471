"""Who was speaking when: a caption cue's speaker and item, read from the meeting's live log.

**The rule.** Walking the log in order gives, at every moment, the item before the body and who held the floor:
- the item is the one taken up (``item_opened``) and not yet finished (``item_closed``, or another item taken up);
- a resident holds the floor from ``speaker_called`` until ``speaker_finished`` / ``speaker_no_show`` of that
  card (or any other floor change);
- a member holds it from ``floor_granted`` until the next floor change;
- a floor change is any of: a speaker called, finished or not answering, a member recognized, an item taken up or
  finished, public comment opened or closed, a motion made or seconded, a vote opened or closed, called to order,
  adjourned. After a change that gives the floor to nobody, the floor is the chair's: the passage is unattributed.

A cue goes by **where most of it falls**: the (item, speaker) stretch of the log that covers the largest part of
the cue's time; on a tie, the earlier stretch. So a resident's last words, said as the clerk presses "finished",
stay theirs, and the chair's "thank you" after it is the chair's. Consecutive cues with the same item and speaker
are merged into one passage.
"""

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from app.meetings.models import LogKind

K = LogKind
#: Moments that end whoever held the floor (the chair has it back unless the moment gives it to someone).
FLOOR_CHANGES = frozenset(
    {
        K.speaker_called,
        K.speaker_finished,
        K.speaker_no_show,
        K.floor_granted,
        K.item_opened,
        K.item_closed,
        K.comment_opened,
        K.comment_closed,
        K.motion_made,
        K.motion_seconded,
        K.vote_opened,
        K.vote_closed,
        K.called_to_order,
        K.adjourned,
    }
)


@dataclass(frozen=True)
class Holder:
    """Who held the floor: a speaker card, a member, or neither (the chair, unattributed)."""

    speaker_request_id: int | None = None
    member_id: int | None = None


NOBODY = Holder()


@dataclass(frozen=True)
class Stretch:
    start_ms: int  #: on the part's own time line (may be negative: before the video's second 0)
    item_id: int | None
    holder: Holder


@dataclass
class Passage:
    start_ms: int
    end_ms: int
    item_id: int | None
    holder: Holder
    cues: list = field(default_factory=list)  #: [start_ms, end_ms, text]

    @property
    def text(self) -> str:
        return " ".join(c[2] for c in self.cues if c[2])


def stretches(entries, zero_at: datetime) -> list[Stretch]:
    """The log as stretches of (item, holder), each from its first moment to the next stretch's, on the part's
    time line (milliseconds from its second 0). ``entries``: objects with at, kind, item_id, speaker_request_id,
    member_id, in the order they happened."""
    item_id, holder = None, NOBODY
    out = [Stretch(-(10**12), None, NOBODY)]
    for entry in entries:
        if entry.kind == K.item_opened:
            item_id = entry.item_id
        elif entry.kind == K.item_closed and entry.item_id == item_id:
            item_id = None
        if entry.kind in FLOOR_CHANGES:
            if entry.kind == K.speaker_called and entry.speaker_request_id:
                holder = Holder(speaker_request_id=entry.speaker_request_id)
            elif entry.kind == K.floor_granted and entry.member_id:
                holder = Holder(member_id=entry.member_id)
            else:
                holder = NOBODY
            if entry.kind in (K.speaker_called, K.motion_made) and entry.item_id and item_id is None:
                item_id = entry.item_id  # calling a speaker or moving on an item takes that item up
        at_ms = int((entry.at - zero_at).total_seconds() * 1000)
        last = out[-1]
        if (last.item_id, last.holder) == (item_id, holder):
            continue
        if last.start_ms == at_ms:
            out[-1] = Stretch(at_ms, item_id, holder)
        else:
            out.append(Stretch(at_ms, item_id, holder))
    return out


def _stretch_for(stretches_: list[Stretch], starts: list[int], start_ms: int, end_ms: int) -> Stretch:
    """The stretch covering most of [start_ms, end_ms); the earlier one on a tie."""
    first = max(0, bisect.bisect_right(starts, start_ms) - 1)
    best, best_overlap = stretches_[first], -1
    index = first
    while index < len(stretches_) and stretches_[index].start_ms < max(end_ms, start_ms + 1):
        begin = max(start_ms, stretches_[index].start_ms)
        finish = min(end_ms, stretches_[index + 1].start_ms if index + 1 < len(stretches_) else end_ms)
        overlap = finish - begin
        if overlap > best_overlap:
            best, best_overlap = stretches_[index], overlap
        index += 1
    return best


def attribute(cues, stretches_: list[Stretch]) -> list[Passage]:
    """Passages of ``cues`` (objects with start_ms, end_ms, text, in order): each cue goes to its stretch, and
    consecutive cues of the same item and holder make one passage."""
    starts = [s.start_ms for s in stretches_]
    passages: list[Passage] = []
    for cue in cues:
        stretch = _stretch_for(stretches_, starts, cue.start_ms, cue.end_ms)
        last = passages[-1] if passages else None
        if last is not None and (last.item_id, last.holder) == (stretch.item_id, stretch.holder):
            last.end_ms = cue.end_ms
            last.cues.append([cue.start_ms, cue.end_ms, cue.text])
        else:
            passages.append(
                Passage(
                    cue.start_ms, cue.end_ms, stretch.item_id, stretch.holder, [[cue.start_ms, cue.end_ms, cue.text]]
                )
            )
    return passages
