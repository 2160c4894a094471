"""The staff face: every page behind sign-in (clerks, administrators, commissioners).

One module per task, each holding the routes of one blueprint (the blueprint names, and so the endpoints
``meetings.detail`` or ``votes.motion``, are unchanged by where the module sits). These modules sit at the
top of the layers: they may call any feature's services, and nothing below imports them.
"""
