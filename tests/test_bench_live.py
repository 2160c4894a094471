"""The issue 17 benchmarks (bench/live.py, bench/cockpit.py) import and parse their arguments; their pure parts
(reading an SSE stream, matching snapshots to the clerk's actions) work. Nothing here is timed or starts a server."""

from bench import cockpit, live


def test_arguments_parse_with_their_defaults_and_overrides():
    args = live.parser().parse_args([])
    assert (args.viewers, args.seconds, args.interval, args.servers, args.app_workers) == (2000, 60, 1.0, 1, 2)
    args = live.parser().parse_args(["--viewers", "10", "--servers", "2", "--app-threads", "30", "--seconds", "5"])
    assert (args.viewers, args.servers, args.app_threads, args.seconds) == (10, 2, 30, 5)
    args = cockpit.parser().parse_args([])
    assert (args.speakers, args.cycles, args.database) == (2000, 30, "both")
    assert cockpit.parser().parse_args(["--database", "sqlite", "--cycles", "2"]).cycles == 2


def test_the_viewer_reads_events_split_anywhere_in_a_chunked_stream():
    versions = live.Versions()
    viewer = live.Viewer(0, 1)
    client = live.SSEClient(viewer, "/", versions)
    body = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"d\r\nretry: 1000\n\n\r\n"
        b'40\r\nid: 00aa\ndata: {"speaker": null, "queue": {"heard": 1}}\n\n\r\n'
        b"f\r\n: keep-alive\n\n\r\n"
        b'50\r\nid: 00bb\ndata: {"speaker": {"position": 2, "timer": "idle"}, "queue": null}\n\n\r\n'
    )
    for n in range(0, len(body), 7):
        client.data_received(body[n : n + 7])
    assert viewer.status == 200
    assert list(viewer.received) == ["00aa", "00bb"]
    assert versions.content["00aa"] == {"position": None, "timer": None, "heard": 1}
    assert versions.content["00bb"] == {"position": 2, "timer": "idle", "heard": None}


def test_each_action_is_matched_to_the_first_new_snapshot_after_it():
    versions = live.Versions()
    versions.note("first", b'{"speaker": null}', 0.5)
    versions.note("called", b'{"speaker": {"position": 1, "timer": "idle"}}', 1.2)
    versions.note("started", b'{"speaker": {"position": 1, "timer": "running"}}', 2.3)
    actions = [live.Action("call_next", 1.0, 1.1, 302), live.Action("start", 2.0, 2.1, 302)]
    actions.append(live.Action("spoke", 3.0, 3.1, 302))
    problems = []
    live.match(actions, versions, problems)
    assert [a.version for a in actions] == ["called", "started", None]
    assert problems == ["action 2 (spoke): no viewer received a new snapshot"]


def test_the_cockpit_step_is_read_from_the_page():
    page = '<form data-step="call_next" data-step-target="22">'
    assert cockpit.step_of(page) == ("call_next", "22")
    assert cockpit.step_of("<p>adjourned</p>") == (None, "")


def test_the_viewer_closes_at_the_end_of_the_stream_and_resumes_from_its_last_event():
    class Transport:
        def __init__(self):
            self.sent, self.closed = b"", False

        def write(self, data):
            self.sent += data

        def close(self):
            self.closed = True

    ended = []
    viewer = live.Viewer(0, 1)
    client = live.SSEClient(viewer, "/events", live.Versions(), ended.append)
    client.connection_made(first := Transport())
    assert b"Last-Event-ID" not in first.sent
    client.data_received(b"HTTP/1.1 200 OK\r\n\r\n" + b'20\r\nid: 00cc\ndata: {"speaker": null}\n\n\r\n')
    assert not first.closed
    client.data_received(b"0\r\n\r\n")
    assert first.closed
    client.connection_lost(None)
    assert ended == [viewer]
    again = live.SSEClient(viewer, "/events", live.Versions())
    again.connection_made(second := Transport())
    assert b"Last-Event-ID: 00cc\r\n" in second.sent
