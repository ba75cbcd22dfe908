"""Demo data: units, one person per post, a few cases.  Only ever added to an
empty database, so running `make run` again keeps what is there."""
import re
from datetime import date

from sqlalchemy import func, select

from engine.db import db
from engine.models import Case, Unit, User
from processes import posts

from .auth import hash_password

DEMO_PASSWORD = "caseflow-demo"

UNITS = [
    ("A&A Unit 1", "A&A"), ("CIN Unit 1", "CIN"), ("CIN Unit 2", "CIN"), ("LAC Unit 1", "LAC"),
    ("Leaving Care Unit 1", "Leaving Care"), ("Adoption Unit 1", "Adoption"),
    ("Fostering Unit 1", "Fostering"), ("Family Support Unit 1", "Family Support"),
    ("CWD Unit 1", "CWD"), ("Rapid Response Unit 1", "Rapid Response"),
]
HOME_UNIT = "CIN Unit 1"

CASES = [
    ("CIN-0001", "Amira Khan", date(2014, 3, 2), "CIN Unit 1"),
    ("CIN-0002", "Ben Okafor", date(2011, 7, 19), "CIN Unit 1"),
    ("CIN-0003", "Chloe Murphy", date(2016, 11, 5), "CIN Unit 2"),
    ("AA-0001", "Daniel Silva", date(2019, 1, 23), "A&A Unit 1"),
    ("LAC-0001", "Ella Novak", date(2009, 5, 30), "LAC Unit 1"),
    ("LC-0001", "Finn O'Brien", date(2007, 9, 12), "Leaving Care Unit 1"),
]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def seed() -> list[tuple[str, str, str]]:
    """Add the demo data if the database has no users; return (username, name, post)."""
    if db.session.scalar(select(func.count(User.id))):
        return [(u.username, u.name, u.post) for u in db.session.scalars(select(User).order_by(User.id))]
    units = {name: Unit(name=name, service=service) for name, service in UNITS}
    db.session.add_all(units.values())
    home = units[HOME_UNIT]
    password = hash_password(DEMO_PASSWORD)
    people = []
    for post in posts.POSTS:
        scope = posts.scope_of(post)
        unit = home if scope == posts.UNIT else None
        if post == posts.REFERRAL_MANAGER:
            unit = units["A&A Unit 1"]
        service = unit.service if unit else ("CIN" if scope == posts.SERVICE else None)
        if scope == posts.AGENCY:
            service = posts.AGENCIES[0]  # an agency's representative works for that agency
        people.append(User(username=slug(post), name=f"Demo {post}", password_hash=password,
                           post=post, service=service, unit=unit))
    people.append(User(username="csw-lac", name="Demo Consultant Social Worker (LAC)",
                       password_hash=password, post=posts.CSW, service="LAC",
                       unit=units["LAC Unit 1"]))
    people.append(User(username="csw-aa", name="Demo Consultant Social Worker (A&A)",
                       password_hash=password, post=posts.CSW, service="A&A",
                       unit=units["A&A Unit 1"]))
    people.append(User(username="group-manager-lac", name="Demo Group Manager (LAC)",
                       password_hash=password, post=posts.GROUP_MANAGER, service="LAC"))
    people.append(User(username="social-worker-lac", name="Demo Social Worker (LAC)",
                       password_hash=password, post=posts.SOCIAL_WORKER, service="LAC",
                       unit=units["LAC Unit 1"]))
    for agency in ("Parenting Support Service", "Contact Service"):  # JARP's other agencies, for demos
        people.append(User(username=slug(f"agency representative {agency}"), name=f"Demo {agency} representative",
                           password_hash=password, post="Agency Representative", service=agency))
    for person in people:  # issue 13: demo people are e-mailed at <sign-in name>@example.org
        person.email = f"{person.username}@example.org"
    db.session.add_all(people)
    for reference, child, dob, unit_name in CASES:
        unit = units[unit_name]
        db.session.add(Case(reference=reference, child_name=child, date_of_birth=dob,
                            service=unit.service, unit=unit))
    db.session.flush()
    return [(u.username, u.name, u.post) for u in people]
