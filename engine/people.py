"""The people register (issue 14 §2): who works in caseflow, at which post,
unit and service, and who is their deputy.  The System administrator adds,
changes and deactivates people here, from the pages or a CSV file; the
checks are the same for both, and every change is audited.

A person's post, unit and service decide what they see and do (PROCESS-RULES
§0; processes/posts.py), so the register refuses a post that does not exist,
a unit that does not, a service the department does not have (an Agency
Representative's "service" is their agency: Panels §6), a unit-based post
without a unit, and a move to a post, unit or service from which the person
could no longer do the tasks they hold.  Deactivation leaves nothing orphaned: it is refused while
the person still holds open tasks (they are handed to someone who may do
their work first) or is someone's named deputy (004 Cover Arrangements)."""
import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from processes import posts

from . import accounts, audit, authz
from .assignment import told_of_change
from .db import db
from .forms import FieldError
from .models import Task, Unit, User
from .runtime import EngineError, Invalid, NotFound

# the CSV's columns, in order; `active` is written on export and ignored on
# import (closing an account needs its open work handed over first: the page)
COLUMNS = ("username", "name", "post", "service", "unit", "email", "deputy", "active")
EDITABLE = ("name", "post", "service", "unit", "email", "deputy")
LABELS = {"username": "sign-in name", "name": "name", "post": "post", "service": "service", "unit": "unit",
          "email": "e-mail address", "deputy": "deputy"}
MAX_ROWS = 5000
PASSWORD_MIN, PASSWORD_MAX = 12, 128
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# a spreadsheet runs a cell that starts with one of these as a formula
FORMULA_START = ("=", "+", "-", "@")


# ---------------------------------------------------------------- reading

def search(text: str = "") -> list[User]:
    """Everyone, open accounts first; `text` matches name, sign-in name, e-mail or post."""
    query = select(User).order_by(User.active.desc(), User.name, User.id)
    clause = matching(text)
    if clause is not None:
        query = query.where(clause)
    return list(db.session.scalars(query))


def matching(text: str | None):
    """The people whose name, sign-in name, e-mail or post contains `text` (None: no text)."""
    text = (text or "").strip().lower()[:120]
    if not text:
        return None
    like = f"%{text}%"
    return (func.lower(User.name).like(like) | func.lower(User.username).like(like)
            | func.lower(func.coalesce(User.email, "")).like(like) | func.lower(User.post).like(like))


def person(person_id: int) -> User:
    found = db.session.get(User, person_id)
    if found is None:
        raise NotFound("There is no such person.")
    return found


def units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.name)))


def active_people() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))


def details(user: User) -> dict[str, str]:
    """A person's register entry as text, as the form and the CSV hold it."""
    return {"username": user.username, "name": user.name, "post": user.post, "service": user.service or "",
            "unit": user.unit.name if user.unit else "", "email": user.email or "",
            "deputy": user.deputy.username if user.deputy else "", "active": "yes" if user.active else "no"}


def open_work(user: User) -> list[Task]:
    """Tasks waiting on this person (assigned to them and not done)."""
    return list(db.session.scalars(select(Task).where(Task.assigned_to_id == user.id, Task.state == "ready")
                                   .order_by(Task.due_at, Task.created_at)))


def deputy_for(user: User) -> list[User]:
    """The open accounts that name `user` as their deputy."""
    return list(db.session.scalars(select(User).where(User.deputy_id == user.id, User.active.is_(True))
                                   .order_by(User.name)))


def eligible_for(task: Task, leaving: User) -> list[User]:
    """Who may take over `task` from `leaving`: an open account at its post or
    higher in the chain (Matrix of Responsibility, Section 3), within the
    task's unit or service."""
    candidates = db.session.scalars(select(User).where(
        User.active.is_(True), User.id != leaving.id,
        User.post.in_(posts.posts_acting_as(task.post or ""))).order_by(User.name))
    return [u for u in candidates if authz.within(u, task.service, task.unit_id)]


# ---------------------------------------------------------------- checking

@dataclass
class Register:
    """What a proposed entry is checked against: the units and people now,
    and (for a CSV file) the rows above it."""
    units: dict[str, Unit]
    by_username: dict[str, User]
    by_email: dict[str, User]
    new_usernames: set[str] = field(default_factory=set)
    claimed_usernames: set[str] = field(default_factory=set)
    claimed_emails: set[str] = field(default_factory=set)

    @classmethod
    def now(cls) -> "Register":
        everyone = list(db.session.scalars(select(User)))
        return cls(units={u.name.lower(): u for u in units()},
                   by_username={u.username.lower(): u for u in everyone},
                   by_email={u.email.lower(): u for u in everyone if u.email})


def _clean(raw: dict, name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def check(raw: dict, register: Register, existing: User | None = None) -> tuple[dict, list[FieldError]]:
    """The entry as it would be saved, and every problem with it at once, each
    naming its field.  `existing`: the person being changed (None: a new one)."""
    values = {name: _clean(raw, name) for name in COLUMNS}
    errors = []

    def problem(name, message):
        errors.append(FieldError(name, message))

    for name in EDITABLE + ("username",):  # a NUL or a line break inside a value (PostgreSQL refuses a NUL)
        if CONTROL.search(values[name]):
            problem(name, f"Write the {LABELS.get(name, name)} on one line, without control characters")
            values[name] = ""

    username = existing.username if existing else values["username"]
    if existing is None:
        if not username:
            problem("username", "Enter a sign-in name")
        elif not USERNAME.fullmatch(username):
            problem("username", "Enter a sign-in name of up to 80 letters, digits, dots, dashes, "
                                "underscores or @, starting with a letter or digit")
        elif username.lower() in register.by_username or username.lower() in register.claimed_usernames:
            problem("username", f"The sign-in name {username} is already used by someone else")
    values["username"] = username

    name = values["name"]
    if not name:
        problem("name", "Enter the person's full name")
    elif len(name) > 120:
        problem("name", "Enter a name of 120 characters or fewer")

    post = values["post"]
    scope = posts.scope_of(post)
    if not post:
        problem("post", "Select the person's post")
    elif not posts.is_post(post):
        problem("post", f"{post[:80]} is not a post caseflow knows: use one of the posts in the list")

    unit = None
    if values["unit"]:
        unit = register.units.get(values["unit"].lower())
        if unit is None:
            problem("unit", f"There is no unit called {values['unit'][:120]}")
        else:
            values["unit"] = unit.name
    elif scope == posts.UNIT and posts.is_post(post):
        problem("unit", f"Select the unit: a {post} works within one unit")

    service = values["service"]
    if scope == posts.AGENCY:
        if service not in posts.AGENCIES:
            problem("service", "Select the agency the Agency Representative works for")
        if unit is not None:
            problem("unit", "An Agency Representative works for an agency, not a unit: leave the unit empty")
    elif service and service not in posts.SERVICES:
        problem("service", f"{service[:60]} is not a service: use one of {', '.join(posts.SERVICES)}")
    elif unit is not None and service and service != unit.service:
        problem("service", f"{unit.name} is in {unit.service}: the service must be {unit.service} "
                           "or left empty")
    elif unit is not None:
        values["service"] = unit.service
    elif scope == posts.SERVICE and not service and posts.is_post(post):
        problem("service", f"Select the service: a {post} works within one service")

    email = values["email"]
    if not email:
        problem("email", "Enter the person's e-mail address")
    elif len(email) > 254 or not EMAIL.fullmatch(email):
        problem("email", "Enter an e-mail address in the right form, like name@example.org")
    else:
        holder = register.by_email.get(email.lower())
        if (holder is not None and (existing is None or holder.id != existing.id)) \
                or email.lower() in register.claimed_emails:
            problem("email", f"The e-mail address {email} is already someone else's")

    deputy = values["deputy"]
    if deputy:
        chosen = register.by_username.get(deputy.lower())
        if deputy.lower() == username.lower():
            problem("deputy", "Choose someone else as deputy: a person cannot be their own deputy")
        elif chosen is not None and chosen.active:
            values["deputy"] = chosen.username
        elif deputy.lower() not in register.new_usernames:
            problem("deputy", f"The deputy must be another person with an open account: {deputy[:80]} is not")
    seen = set()  # one problem a field, the first found
    return values, [e for e in errors if not (e.field in seen or seen.add(e.field))]


def changes(user: User, values: dict) -> dict[str, list[str]]:
    """What a save would change: {field: [before, after]}."""
    before = details(user)
    return {name: [before[name], values[name]] for name in EDITABLE if before[name] != values[name]}


def stranded(user: User, values: dict, register: Register) -> list[FieldError]:
    """A new post, unit or service must still reach the tasks the person
    holds (Matrix of Responsibility, Section 3): otherwise nobody could do
    them.  The problem, if any, names the post field."""
    unit = register.units.get(values["unit"].lower()) if values["unit"] else None
    after = SimpleNamespace(post=values["post"], service=values["service"] or None,
                            unit_id=unit.id if unit else None)
    if (after.post, after.service, after.unit_id) == (user.post, user.service, user.unit_id):
        return []
    lost = [t for t in open_work(user) if not (posts.can_act_as(after.post, t.post or "")
                                               and authz.within(after, t.service, t.unit_id))]
    if not lost:
        return []
    return [FieldError("post", f"{user.name} has {len(lost)} open task{'s' if len(lost) != 1 else ''} "
                               f"that a {after.post} there cannot do: give them to someone else first "
                               "(the page for closing the account lists them; handing over does not close it)")]


def _apply(user: User, values: dict, register: Register) -> None:
    user.name, user.post, user.email = values["name"], values["post"], values["email"]
    user.service = values["service"] or None
    user.unit = register.units[values["unit"].lower()] if values["unit"] else None
    deputy = values["deputy"].lower()
    user.deputy = register.by_username[deputy] if deputy else None


# ---------------------------------------------------------------- writing

def add(actor: User, raw: dict, register: Register | None = None) -> User:
    """A new person.  They have no usable password: they sign in with the
    council's account, or the System administrator sets one."""
    register = register or Register.now()
    values, errors = check(raw, register)
    if errors:
        raise Invalid(errors=errors)
    user = User(username=values["username"], active=True,
                password_hash=generate_password_hash(secrets.token_urlsafe(32)))
    _apply(user, values, register)
    db.session.add(user)
    db.session.flush()
    register.by_username[user.username.lower()] = user
    register.by_email[user.email.lower()] = user
    audit.record("user.added", actor, detail={"username": user.username,
                                             **{name: values[name] for name in EDITABLE}})
    return user


def change(actor: User, user: User, raw: dict, register: Register | None = None) -> dict:
    """Save a person's new details; returns what changed (nothing: nothing saved or audited)."""
    register = register or Register.now()
    values, errors = check(raw, register, existing=user)
    errors = errors or stranded(user, values, register)
    if errors:
        raise Invalid(errors=errors)
    changed = changes(user, values)
    if changed:
        _apply(user, values, register)
        audit.record("user.changed", actor, detail={"username": user.username, "changes": changed})
    return changed


def hand_over(actor: User, leaving: User, task_id: str, to_id: int | None) -> Task:
    """Give one of `leaving`'s open tasks to someone who may do it; audited as
    a reassignment, and both people are told."""
    task = db.session.get(Task, task_id)
    if task is None or task.assigned_to_id != leaving.id or task.state != "ready":
        raise NotFound(f"That task is no longer waiting on {leaving.name}.")
    to = db.session.get(User, to_id) if to_id else None
    if to is None or to not in eligible_for(task, leaving):
        raise Invalid(errors=[FieldError(f"to-{task.id}", f"Select who takes over {task.name}: someone who "
                                                          f"can do the work of the {task.post}")])
    # only while it is still theirs: someone completing or taking it meanwhile wins
    done = db.session.execute(update(Task).where(Task.id == task.id, Task.assigned_to_id == leaving.id,
                                                 Task.state == "ready")
                              .values(assigned_to_id=to.id, claimed_by_id=None))
    if done.rowcount != 1:
        raise NotFound(f"That task is no longer waiting on {leaving.name}.")
    db.session.refresh(task)
    audit.record("task.reassigned", actor, instance=task.instance, task=task,
                 reason=f"{leaving.name}'s account is being closed",
                 detail={"from": leaving.name, "to": to.name, "to_id": to.id, "post": task.post})
    told_of_change(task, actor, leaving, to)
    return task


def deactivate(actor: User, user: User) -> None:
    """Close an account: refused while anything would be left without them."""
    if not user.active:
        raise EngineError(f"{user.name}'s account is already closed.")
    if user.id == actor.id:
        raise EngineError("You cannot close your own account: ask another System administrator.")
    problems = []
    work = open_work(user)
    if work:
        problems.append(f"{user.name} still has {len(work)} open task{'s' if len(work) != 1 else ''}: "
                        "give each one to someone else first")
    named = deputy_for(user)
    if named:
        problems.append(f"{user.name} is the named deputy of {', '.join(p.name for p in named)}: "
                        "name someone else first")
    if problems:
        raise Invalid(problems=problems)
    accounts.deactivate(user)
    audit.record("user.deactivated", actor, detail={"username": user.username})


def set_password(actor: User, user: User, password: str, confirm: str) -> None:
    errors = []
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        errors.append(FieldError("password", f"Enter a password of {PASSWORD_MIN} to {PASSWORD_MAX} characters"))
    elif password != confirm:
        errors.append(FieldError("confirm", "Enter the same password again"))
    if not user.active:
        errors.append(FieldError("password", f"{user.name}'s account is closed"))
    if errors:
        raise Invalid(errors=errors)
    accounts.set_password(user, password)
    audit.record("user.password_set", actor, detail={"username": user.username})


# ---------------------------------------------------------------- CSV

def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _uncell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START and value[1:2] else value


def export_csv(actor: User) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    people = search()
    for user in people:
        row = details(user)
        writer.writerow([_cell(row[name]) for name in COLUMNS])
    audit.record("people.exported", actor, detail={"people": len(people)})
    return out.getvalue()


@dataclass
class RowOutcome:
    line: int
    username: str
    outcome: str                      # added, changed, unchanged, refused
    changes: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)   # FieldError, field named as in the CSV
    values: dict = field(default_factory=dict)


def read_csv(data: bytes | str) -> list[dict]:
    """The file's rows; Invalid (a file-level error) if it cannot be read."""
    def refuse(message):
        raise Invalid(errors=[FieldError("file", message)])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            refuse("The file must be a CSV file saved as UTF-8")
    if not data.strip():
        refuse("The file is empty: it needs a first line naming the columns, then a line per person")
    reader = csv.DictReader(io.StringIO(data, newline=""))
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header and c != "active"]
        if missing:
            refuse(f"The first line must name the columns {', '.join(COLUMNS[:-1])}; "
                   f"missing: {', '.join(missing)}")
        rows = []
        for row in reader:
            rows.append({(k or "").strip().lower(): _uncell(v if isinstance(v, str) else "")
                         for k, v in row.items()})
            if len(rows) > MAX_ROWS:
                refuse(f"The file has more than {MAX_ROWS} people: split it into smaller files")
    except csv.Error as exc:
        refuse(f"The file is not a CSV file caseflow can read (line {reader.line_num}: {exc})")
    if not rows:
        refuse("The file has no people in it, only the line naming the columns")
    return rows


def dry_run(data: bytes | str) -> list[RowOutcome]:
    """What importing the file would do, row by row; nothing is saved."""
    rows = read_csv(data)
    register = Register.now()
    register.new_usernames = {r.get("username", "").strip().lower() for r in rows
                              if r.get("username", "").strip().lower() not in register.by_username}
    outcomes = []
    for line, raw in enumerate(rows, start=2):
        username = (raw.get("username") or "").strip()
        existing = register.by_username.get(username.lower())
        if username.lower() in register.claimed_usernames:
            values, errors = {}, [FieldError("username", f"{username} is in the file more than once")]
        else:
            values, errors = check(raw, register, existing=existing)
            if existing is not None and not errors:
                errors = stranded(existing, values, register)
        if username:
            register.claimed_usernames.add(username.lower())
        if values.get("email") and not any(e.field == "email" for e in errors):
            register.claimed_emails.add(values["email"].lower())
        if errors:
            outcomes.append(RowOutcome(line, username, "refused", errors=errors))
        elif existing is None:
            outcomes.append(RowOutcome(line, username, "added", values=values))
        else:
            changed = changes(existing, values)
            outcomes.append(RowOutcome(line, existing.username, "changed" if changed else "unchanged",
                                       changes=changed, values=values))
    return outcomes


def import_csv(actor: User, data: bytes | str) -> list[RowOutcome]:
    """Save the whole file or nothing: refused (Invalid, with the outcomes) if
    any row is.  New people are added before anyone's deputy is set, so a row
    may name as deputy someone added further down."""
    outcomes = dry_run(data)
    refused = [o for o in outcomes if o.outcome == "refused"]
    if refused:
        raise Invalid(problems=[f"{len(refused)} row{'s' if len(refused) != 1 else ''} cannot be saved: "
                                "correct the file and check it again. Nothing was saved."])
    register = Register.now()
    adds = [o for o in outcomes if o.outcome == "added"]
    for o in adds:
        add(actor, {**o.values, "deputy": ""}, register)
    for o in outcomes:
        if o.outcome == "changed" or (o.outcome == "added" and o.values["deputy"]):
            change(actor, register.by_username[o.username.lower()], o.values, register)
    counts = {kind: sum(o.outcome == kind for o in outcomes) for kind in ("added", "changed", "unchanged")}
    audit.record("people.imported", actor, detail=counts)
    return outcomes
