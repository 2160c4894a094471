import io

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name="staff-report.pdf", data=PDF):
    return (io.BytesIO(data), name)


def adopt_policy(body, *, actor=None, **overrides):
    """A comment policy adopted through its service: the usual times, ceding allowed, in force since 2000."""
    from datetime import date

    from app.public_comment import policy as comment_policy

    rules = {
        "adopted_on": date(2000, 1, 1),
        "adopted_by": "Resolution 00-1",
        "speaker_seconds": 180,
        "group_seconds": 300,
        "item_cap_minutes": None,
        "signup_closes_minutes": 60,
        "written_accepted": True,
        "written_max_chars": 3000,
        "ceding_allowed": True,
    }
    return comment_policy.adopt_policy(body, actor=actor, **(rules | overrides))
