"""Cover arrangements (004 Cover Arrangements §4-11; Panels §1 "in the
absence of the Assistant Director, the Deputy Director"; issue 13 §3).

"Recommended, but do not need to be strictly followed": a recorded absence
names who covers; where it names nobody, the standing rule below says who
does.  The cover may be anyone at the same post or higher in the
case-decision chain (Matrix of Responsibility), or the absent person's own
named deputy (posts outside the chain: Panel Chair, Head of Service
Children's Resources, JARP Co-ordinator, …)."""
from dataclasses import dataclass
from datetime import date

from . import posts

STANDING = {
    # Panels §1: the Deputy Director chairs the Resource Panel in the AD's absence
    posts.ASSISTANT_DIRECTOR: "the Deputy Director",
    # §7-9: a CSW's long-arm colleague covers planned leave; for an unplanned
    # absence the Group Manager arranges cover (and covers the unit's decisions)
    posts.CSW: "the Group Manager of their service",
    posts.REFERRAL_MANAGER: "the Group Manager of their service",
}


@dataclass(frozen=True)
class Person:
    id: int
    post: str
    service: str | None
    unit_id: int | None
    deputy_id: int | None = None


def standing_cover(absent: Person, people: list[Person]) -> Person | None:
    """Who covers when the absence names nobody: the DD for the AD, the
    Group Manager of the service for a CSW or Referral Manager, otherwise the
    person's named deputy; None if there is none."""
    if absent.post == posts.ASSISTANT_DIRECTOR:
        return next((p for p in people if p.post == posts.DEPUTY_DIRECTOR), None)
    if absent.post in (posts.CSW, posts.REFERRAL_MANAGER):
        return next((p for p in people if p.post == posts.GROUP_MANAGER and p.service == absent.service), None)
    return next((p for p in people if p.id == absent.deputy_id), None)


def cover_problems(absent: Person, cover: Person | None, starts: date | None,
                   ends: date | None) -> list[tuple[str, str]]:
    """What is wrong with an absence as recorded, as (field, problem); [] when it may be kept."""
    out = []
    if starts is None:
        out.append(("starts", "Enter the first day of the absence"))
    if ends is None:
        out.append(("ends", "Enter the last day of the absence"))
    if starts and ends and ends < starts:
        out.append(("ends", "The last day must be the same as or after the first day"))
    if cover is not None:
        if cover.id == absent.id:
            out.append(("cover", "Choose someone else to cover: a person cannot cover their own absence"))
        elif not may_cover(absent, cover):
            out.append(("cover", f"Choose someone at the post of {absent.post} or higher, "
                                 "or the person's named deputy"))
    return out


def may_cover(absent: Person, cover: Person) -> bool:
    """Same post or higher in the chain (Matrix of Responsibility), or the named deputy."""
    return cover.id == absent.deputy_id or posts.can_act_as(cover.post, absent.post)


def covering(day: date, starts: date, ends: date) -> bool:
    return starts <= day <= ends
