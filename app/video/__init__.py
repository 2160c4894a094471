"""The meeting video, indexed by Dais's own record (issue 21).

A meeting's recording (one or more parts, where the stream broke) is tied to the meeting's clock: each part
knows the wall-clock moment of its second 0, so every stamped moment of the live log (items, speakers, motions,
votes) maps to a second of the video. Captions uploaded for a part become a transcript attributed from the log.

Layer: above the record it indexes (meetings, public comment, votes, legislation), below minutes and search,
which link to the video and index the transcript.
"""
