"""The register of cases (issue 14 §2): what a case must have to be
registered, and when it may close (Matrix of Responsibility: "Case closure –
Initial Assessment / Core Assessment: Consultant Social Worker").

Pure rules over plain values; engine/cases.py applies them."""
import re
from datetime import date

from . import posts

# A case reference as case management systems (LCS, Mosaic) give them:
# letters, digits, hyphens and slashes.
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,39}$")
CLOSING_POST = posts.CSW  # or any post above it in the chain
FIELDS = ("reference", "child_name", "date_of_birth", "expected_delivery_date", "unit",
          "cp_status", "lac_status", "in_court")
LEGAL_STATUS = {"cp_status": "on a child protection plan", "lac_status": "looked after",
                "in_court": "in care proceedings (court)"}


def problems(fields: dict, today: date, *, creating: bool) -> list[tuple[str, str]]:
    """What is wrong with a case's fields, as (field, problem), all at once; [] when none.

    `fields` holds what was given: on an update only the fields changed."""
    out = []
    if creating or "reference" in fields:
        reference = fields.get("reference")
        if not isinstance(reference, str) or not reference.strip():
            out.append(("reference", "Enter the case reference"))
        elif not _REFERENCE.match(reference.strip()):
            out.append(("reference", "The case reference must be up to 40 letters, digits, hyphens or slashes"))
    if creating or "child_name" in fields:
        name = fields.get("child_name")
        if not isinstance(name, str) or not name.strip():
            out.append(("child_name", "Enter the child's name"))
        elif len(name.strip()) > 120:
            out.append(("child_name", "The child's name must be 120 characters or fewer"))
    born, due = fields.get("date_of_birth"), fields.get("expected_delivery_date")
    if "date_of_birth" in fields and born is not None:
        if not isinstance(born, date):
            out.append(("date_of_birth", "Enter the date of birth as a real date"))
        elif born > today:
            out.append(("date_of_birth", "The date of birth must be today or in the past"))
        elif born.year < today.year - 25:
            out.append(("date_of_birth", "The date of birth is more than 25 years ago: check it"))
    if "expected_delivery_date" in fields and due is not None and not isinstance(due, date):
        out.append(("expected_delivery_date", "Enter the expected delivery date as a real date"))
    if creating and born is None and due is None:
        out.append(("date_of_birth", "Enter the date of birth, or the expected delivery date for an unborn child"))
    if creating or "unit" in fields:
        if not fields.get("unit"):
            out.append(("unit", "Select the unit that holds the case"))
    for name in LEGAL_STATUS:
        if name in fields and not isinstance(fields[name], bool):
            out.append((name, f"Say yes or no: is the child {LEGAL_STATUS[name]}?"))
    return out


def may_close(post: str) -> bool:
    return posts.can_act_as(post, CLOSING_POST)


def close_problems(reason: str | None, running: list[str]) -> list[tuple[str, str]]:
    out = []
    if not reason or not reason.strip():
        out.append(("reason", "Enter why the case is closing"))
    if running:
        out.append(("case", "The case cannot close while processes are running: "
                            + ", ".join(running) + ". End or cancel them first."))
    return out
