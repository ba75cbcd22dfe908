"""When a panel's decision may be recorded: at or after its sitting.

Shared by the panels that decide at a weekly meeting: the Children's Resource
Panel (Monday 09:00, 004 Panels §1) and JARP (Tuesday 09:30, 004 Panels §6,
Appendix A).  Pure: the caller passes the sitting's start and the time now.
"""
from . import clock


def decision_problems(sitting_start, now) -> list[str]:
    """[] when `now` is at or after `sitting_start`; otherwise why the decision
    cannot be recorded yet, in plain words.

    A panel decides at its meeting (004 Panels §1 'Decision': 'Resource Panel
    Administrator to record decision accurately'; Panels §6 JARP meets weekly),
    so a decision recorded before the sitting has started is not the panel's
    (issue 12 item 8).  09:00:00 on the sitting day is in time.  A decision that
    cannot wait for the meeting is an emergency, agreed by the Head of Service
    on its own route, not here.
    """
    start = clock.as_london(sitting_start)
    if clock.as_london(now) >= start:
        return []
    return [f"The Panel sits on {clock.long_time(start)}: its decision can be "
            f"recorded only at or after the sitting. An emergency that cannot wait is agreed by the "
            f"Head of Service."]
