"""The people register (issue 14 §2): the System administrator lists, adds,
edits and deactivates people, sets passwords, and exports and imports them
as CSV with a dry run first; on SQLite and PostgreSQL."""
import csv
import io

from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, Task, User
from webforms.demo import DEMO_PASSWORD

from ..conftest import error_summary, page, sign_in, text
from .test_notifications import _start_visits

ADMIN = "system-administrator"
NEW = {"username": "priya.shah", "name": "Priya Shah", "post": "Social Worker", "unit": "CIN Unit 2",
       "service": "", "email": "Priya.Shah@example.org", "deputy": ""}


def _admin(client):
    return sign_in(client, ADMIN)


def _person(app, username) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        if user is not None:
            db.session.expunge(user)
        db.session.remove()
        return user


def _audit(app, action) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
        return rows


def _add(client, **fields):
    return client.post("/people/new", data={**NEW, **fields})


def _csv(*rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "name", "post", "service", "unit", "email", "deputy", "active"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _check_file(client, data: bytes):
    return client.post("/people/import", data={"file": (io.BytesIO(data), "people.csv")},
                       content_type="multipart/form-data")


def _dry_run(response) -> dict[str, tuple[str, list[str]]]:
    """username -> (outcome, the row's detail lines)."""
    return {row.select("td")[1].get_text(strip=True): (row["data-outcome"],
                                                       [li.get_text(" ", strip=True) for li in row.select("li")])
            for row in page(response).select("#dry-run tbody tr")}


# ---------------------------------------------------------------- access, list, search

def test_only_the_system_administrator_has_the_people_register(client):
    _admin(client)
    nav = {a.get_text(strip=True) for a in page(client.get("/")).select(".govuk-service-navigation__link")}
    assert "People" in nav
    listed = page(client.get("/people/"))
    rows = {r["data-username"]: r.get_text(" ", strip=True) for r in listed.select("#people tbody tr")}
    assert "Demo System administrator" in rows[ADMIN] and "system-administrator@example.org" in rows[ADMIN]
    client.post("/sign-out")
    sign_in(client, "deputy-director")
    nav = {a.get_text(strip=True) for a in page(client.get("/")).select(".govuk-service-navigation__link")}
    assert "People" not in nav
    assert client.get("/people/").status_code == 403
    assert client.get("/people/export.csv").status_code == 403
    assert client.post("/people/new", data=NEW).status_code == 403


def test_search_finds_people_by_name_post_or_e_mail(client):
    _admin(client)
    found = [r["data-username"] for r in page(client.get("/people/?q=panel")).select("#people tbody tr")]
    assert sorted(found) == ["panel-administrator", "panel-advisor", "panel-chair", "panel-manager"]
    assert [r["data-username"] for r in page(client.get("/people/?q=CSW-LAC@EXAMPLE")).select("#people tbody tr")] \
        == ["csw-lac"]
    nobody = client.get("/people/?q=zzz-nobody")
    assert page(nobody).select("#people") == [] and "Nobody matches zzz-nobody" in text(nobody)


# ---------------------------------------------------------------- add and edit

def test_adding_a_person_reports_every_problem_at_once_and_keeps_the_answers(app, client):
    _admin(client)
    refused = _add(client, username="Social-Worker", name="", post="Wizard", unit="Nowhere Unit",
                   email="SOCIAL-WORKER@example.org", deputy="no-such-person")
    assert refused.status_code == 400
    assert error_summary(refused) == [
        "The sign-in name Social-Worker is already used by someone else",
        "Enter the person's full name",
        "Wizard is not a post caseflow knows: use one of the posts in the list",
        "There is no unit called Nowhere Unit",
        "The e-mail address SOCIAL-WORKER@example.org is already someone else's",
        "The deputy must be another person with an open account: no-such-person is not",
    ]
    assert page(refused).select_one("#username")["value"] == "Social-Worker"
    assert page(refused).select_one("#email")["value"] == "SOCIAL-WORKER@example.org"

    assert error_summary(_add(client, unit="")) == ["Select the unit: a Social Worker works within one unit"]
    assert error_summary(_add(client, post="Group Manager", unit="")) == [
        "Select the service: a Group Manager works within one service"]
    assert error_summary(_add(client, service="LAC")) == [
        "CIN Unit 2 is in CIN: the service must be CIN or left empty"]
    assert error_summary(_add(client, email="priya at example")) == [
        "Enter an e-mail address in the right form, like name@example.org"]
    assert error_summary(_add(client, post="Agency Representative", unit="", service="CIN")) == [
        "Select the agency the Agency Representative works for"]
    assert _person(app, "priya.shah") is None

    added = _add(client)
    assert added.status_code == 302
    priya = _person(app, "priya.shah")
    assert (priya.name, priya.post, priya.service, priya.email, priya.active) == (
        "Priya Shah", "Social Worker", "CIN", "Priya.Shah@example.org", True)
    assert "Priya Shah is added to the register" in text(client.get(added.location))
    assert [e.detail["username"] for e in _audit(app, "user.added")] == ["priya.shah"]
    # no usable password until one is set (or the council's sign-in is used)
    assert app.test_client().post("/sign-in", data={"username": "priya.shah", "password": ""}).status_code != 302
    assert error_summary(_add(client, username="PRIYA.SHAH", email="priya.shah@EXAMPLE.org")) == [
        "The sign-in name PRIYA.SHAH is already used by someone else",
        "The e-mail address priya.shah@EXAMPLE.org is already someone else's"]


def test_editing_a_person_changes_their_post_unit_and_deputy_and_is_audited(app, client):
    _admin(client)
    chair = _person(app, "panel-chair")
    form = page(client.get(f"/people/{chair.id}"))
    assert form.select_one("#name")["value"] == "Demo Panel Chair"
    assert form.select_one("#post option[selected]")["value"] == "Panel Chair"
    assert "#username" not in str(form.select("#username"))  # the sign-in name is fixed
    edited = {"name": "Dr Ada Chair", "post": "Panel Chair", "unit": "", "service": "",
              "email": "ada.chair@example.org", "deputy": "panel-advisor"}
    assert error_summary(client.post(f"/people/{chair.id}", data={**edited, "deputy": "panel-chair"})) == [
        "Choose someone else as deputy: a person cannot be their own deputy"]
    saved = client.post(f"/people/{chair.id}", data=edited, follow_redirects=True)
    assert "Dr Ada Chair's details are saved" in text(saved)
    assert page(saved).select_one("#deputy option[selected]")["value"] == "panel-advisor"
    after = _person(app, "panel-chair")
    assert (after.name, after.email, after.deputy_id) == ("Dr Ada Chair", "ada.chair@example.org",
                                                          _person(app, "panel-advisor").id)
    [event] = _audit(app, "user.changed")
    assert event.detail == {"username": "panel-chair", "changes": {
        "name": ["Demo Panel Chair", "Dr Ada Chair"], "email": ["panel-chair@example.org", "ada.chair@example.org"],
        "deputy": ["", "panel-advisor"]}}
    assert event.actor_name == "Demo System administrator"
    assert "Nothing was changed" in text(client.post(f"/people/{chair.id}", data=edited, follow_redirects=True))
    assert len(_audit(app, "user.changed")) == 1
    # moving a social worker to another unit: the service follows the unit
    worker = _person(app, "social-worker")
    client.post(f"/people/{worker.id}", data={"name": worker.name, "post": "Social Worker", "unit": "LAC Unit 1",
                                            "service": "", "email": worker.email, "deputy": ""})
    moved = _person(app, "social-worker")
    assert (moved.service, moved.unit_id is not None) == ("LAC", True)


# ---------------------------------------------------------------- deactivate

def test_an_account_closes_only_after_its_open_work_is_handed_over(app, client):
    leaving = _person(app, "social-worker")
    _admin(client)
    assert client.post("/people/new", data={**NEW, "unit": "CIN Unit 1"}).status_code == 302
    _start_visits(app)
    worker = sign_in(app.test_client(), "social-worker")
    task_id = _task(app, "Task_visit")
    assert worker.post(f"/tasks/{task_id}/take").status_code == 302

    close = page(client.get(f"/people/{leaving.id}/deactivate"))
    [row] = close.select("#open-work tbody tr")
    assert "Record the visit" in row.get_text() and "CIN-0001" in row.get_text()
    choices = [o.get_text(strip=True) for o in row.select("select option")][1:]
    # same post or higher, within the task's unit (CIN Unit 1) or service (CIN)
    assert "Priya Shah, Social Worker" in choices
    assert "Demo Consultant Social Worker, Consultant Social Worker" in choices
    assert not any("LAC" in c for c in choices) and "Demo Social Worker, Social Worker" not in choices

    refused = client.post(f"/people/{leaving.id}/deactivate")
    assert refused.status_code == 400
    assert error_summary(refused) == ["Demo Social Worker still has 1 open task: give each one to someone else first"]
    assert _person(app, "social-worker").active
    outsider = _person(app, "social-worker-lac")
    wrong = client.post(f"/people/{leaving.id}/hand-over", data={"task": task_id, "to": str(outsider.id)})
    assert wrong.status_code == 400 and error_summary(wrong) == [
        "Select who takes over Record the visit: someone who can do the work of the Social Worker"]

    priya = _person(app, "priya.shah")
    handed = client.post(f"/people/{leaving.id}/hand-over", data={"task": task_id, "to": str(priya.id)},
                         follow_redirects=True)
    assert "Record the visit is now Priya Shah's" in text(handed)
    assert "Demo Social Worker has no open tasks" in text(handed)
    with app.app_context():
        assert db.session.get(Task, task_id).assigned_to_id == priya.id
    [moved] = _audit(app, "task.reassigned")
    assert (moved.detail["from"], moved.detail["to"], moved.reason) == (
        "Demo Social Worker", "Priya Shah", "Demo Social Worker's account is being closed")

    closed = client.post(f"/people/{leaving.id}/deactivate", follow_redirects=True)
    assert "Demo Social Worker's account is closed" in text(closed)
    assert not _person(app, "social-worker").active
    assert [e.detail for e in _audit(app, "user.deactivated")] == [{"username": "social-worker"}]
    # their sign-in ended, and they cannot sign in again
    assert worker.get("/").status_code == 302
    assert app.test_client().post("/sign-in", data={"username": "social-worker",
                                                    "password": DEMO_PASSWORD}).status_code != 302
    listed = page(client.get("/people/?q=social-worker"))
    assert "Closed" in listed.select_one("#people tr[data-username=social-worker]").get_text()
    assert listed.select("#people tbody tr")[-1]["data-username"] == "social-worker"    # open accounts first


def test_a_move_that_would_strand_a_person_s_tasks_is_refused(app, client):
    _start_visits(app)
    worker = _person(app, "social-worker")
    taken = sign_in(app.test_client(), "social-worker").post(f"/tasks/{_task(app, 'Task_visit')}/take")
    assert taken.status_code == 302
    _admin(client)
    to_lac = {"name": worker.name, "post": "Social Worker", "unit": "LAC Unit 1", "service": "",
              "email": worker.email, "deputy": ""}
    refused = client.post(f"/people/{worker.id}", data=to_lac)
    assert refused.status_code == 400
    assert error_summary(refused) == [
        "Demo Social Worker has 1 open task that a Social Worker there cannot do: give them to someone else "
        "first (the page for closing the account lists them; handing over does not close it)"]
    rows = _dry_run(_check_file(client, _csv(["social-worker", worker.name, "Social Worker", "", "LAC Unit 1",
                                              worker.email, "", "yes"])))
    assert rows["social-worker"][0] == "refused" and rows["social-worker"][1][0].startswith(
        "Post: Demo Social Worker has 1 open task")
    # a promotion within the unit keeps the task in reach
    promoted = client.post(f"/people/{worker.id}", data={**to_lac, "unit": "CIN Unit 1",
                                                        "post": "Consultant Social Worker"})
    assert promoted.status_code == 302
    assert _person(app, "social-worker").unit_id == _person(app, "consultant-social-worker").unit_id == worker.unit_id


def _task(app, element_id) -> str:
    with app.app_context():
        try:
            return db.session.scalar(select(Task.id).where(Task.element_id == element_id, Task.state == "ready"))
        finally:
            db.session.remove()


def test_a_named_deputy_stays_until_someone_else_is_named(app, client):
    _admin(client)
    chair, advisor = _person(app, "panel-chair"), _person(app, "panel-advisor")
    client.post(f"/people/{chair.id}", data={"name": chair.name, "post": chair.post, "unit": "", "service": "",
                                           "email": chair.email, "deputy": "panel-advisor"})
    shown = page(client.get(f"/people/{advisor.id}/deactivate"))
    assert "Demo Panel Chair, Panel Chair" in shown.select_one("#deputy-for").get_text()
    refused = client.post(f"/people/{advisor.id}/deactivate")
    assert error_summary(refused) == ["Demo Panel Advisor is the named deputy of Demo Panel Chair: "
                                      "name someone else first"]
    admin = _person(app, ADMIN)
    assert error_summary(client.post(f"/people/{admin.id}/deactivate")) == [
        "You cannot close your own account: ask another System administrator."]
    assert _person(app, "panel-advisor").active and _person(app, ADMIN).active
    client.post(f"/people/{chair.id}", data={"name": chair.name, "post": chair.post, "unit": "", "service": "",
                                           "email": chair.email, "deputy": ""})
    assert client.post(f"/people/{advisor.id}/deactivate").status_code == 302
    assert not _person(app, "panel-advisor").active
    # a closed account cannot be anyone's deputy
    assert error_summary(client.post(f"/people/{chair.id}", data={
        "name": chair.name, "post": chair.post, "unit": "", "service": "", "email": chair.email,
        "deputy": "panel-advisor"})) == ["The deputy must be another person with an open account: panel-advisor is not"]


# ---------------------------------------------------------------- passwords

def test_the_system_administrator_sets_a_new_password(app, client):
    _admin(client)
    worker = _person(app, "social-worker")
    signed_in = sign_in(app.test_client(), "social-worker")
    short = client.post(f"/people/{worker.id}/password", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and error_summary(short) == ["Enter a password of 12 to 128 characters"]
    assert error_summary(client.post(f"/people/{worker.id}/password",
                                     data={"password": "a long new password", "confirm": "another one"})) == [
        "Enter the same password again"]
    done = client.post(f"/people/{worker.id}/password",
                       data={"password": "a long new password", "confirm": "a long new password"},
                       follow_redirects=True)
    assert "Demo Social Worker's new password is set" in text(done)
    assert signed_in.get("/").status_code == 302                      # their sessions ended
    assert app.test_client().post("/sign-in", data={"username": "social-worker",
                                                    "password": "a long new password"}).status_code == 302
    assert [e.detail for e in _audit(app, "user.password_set")] == [{"username": "social-worker"}]


def test_without_local_passwords_there_is_no_password_to_set(app, client):
    _admin(client)
    app.config["CASEFLOW_LOCAL_PASSWORDS"] = False     # CASEFLOW_LOCAL_PASSWORDS=0: the council's sign-in only
    worker = _person(app, "social-worker")
    shown = page(client.get(f"/people/{worker.id}"))
    assert shown.select("#password-form") == [] and shown.select("#person-form")
    assert client.post(f"/people/{worker.id}/password",
                       data={"password": "a long new password", "confirm": "a long new password"}).status_code == 404


# ---------------------------------------------------------------- CSV

def test_the_register_exports_as_csv(app, client):
    _admin(client)
    chair = _person(app, "panel-chair")
    client.post(f"/people/{chair.id}", data={"name": "=HYPERLINK(1)", "post": "Panel Chair", "unit": "",
                                           "service": "", "email": chair.email, "deputy": "panel-advisor"})
    response = client.get("/people/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_name = {r["username"]: r for r in rows}
    assert by_name["csw-lac"] == {"username": "csw-lac", "name": "Demo Consultant Social Worker (LAC)",
                                  "post": "Consultant Social Worker", "service": "LAC", "unit": "LAC Unit 1",
                                  "email": "csw-lac@example.org", "deputy": "", "active": "yes"}
    assert by_name["panel-chair"]["name"] == "'=HYPERLINK(1)"          # not run as a formula
    assert by_name["panel-chair"]["deputy"] == "panel-advisor"
    assert len(rows) == len(page(client.get("/people/")).select("#people tbody tr"))
    assert [e.detail["people"] for e in _audit(app, "people.exported")] == [len(rows)]
    # the file as exported checks as unchanged throughout (the formula guard reads back)
    assert {outcome for outcome, _ in _dry_run(_check_file(client, response.data)).values()} == {"unchanged"}


MIXED = _csv(
    ["jo.new", "Jo New", "Group Manager", "LAC", "", "jo.new@example.org", "", ""],
    ["kim.new", "Kim New", "JARP Co-ordinator", "", "", "kim.new@example.org", "jo.new", ""],
    ["csw-lac", "Demo Consultant Social Worker (LAC)", "Consultant Social Worker", "", "LAC Unit 1",
     "csw-lac-new@example.org", "", "yes"],
    ["panel-chair", "Demo Panel Chair", "Panel Chair", "", "", "panel-chair@example.org", "", "yes"],
    ["bad.one", "Bad One", "Wizard", "", "Atlantis Unit", "not-an-address", "bad.one", ""],
    ["dup.mail", "Dup Mail", "Clinician", "", "CIN Unit 1", "JO.NEW@example.org", "", ""],
    ["jo.new", "Jo Again", "Group Manager", "LAC", "", "jo.again@example.org", "", ""],
)


def test_a_csv_dry_run_shows_each_row_s_outcome_and_saves_nothing(app, client):
    _admin(client)
    response = _check_file(client, MIXED)
    assert response.status_code == 200
    rows = _dry_run(response)
    assert rows["jo.new"][0] == "refused"    # the second jo.new row (the first is keyed the same)
    assert rows["kim.new"] == ("added", [])
    assert rows["csw-lac"] == ("changed", ["E-mail address: csw-lac@example.org → csw-lac-new@example.org"])
    assert rows["panel-chair"] == ("unchanged", [])
    assert rows["bad.one"] == ("refused", [
        "Post: Wizard is not a post caseflow knows: use one of the posts in the list",
        "Unit: There is no unit called Atlantis Unit",
        "E-mail address: Enter an e-mail address in the right form, like name@example.org",
        "Deputy: Choose someone else as deputy: a person cannot be their own deputy"])
    assert rows["dup.mail"] == ("refused", ["E-mail address: The e-mail address JO.NEW@example.org is "
                                            "already someone else's"])
    lines = {r["data-line"]: r["data-outcome"] for r in page(response).select("#dry-run tbody tr")}
    assert lines == {"2": "added", "3": "added", "4": "changed", "5": "unchanged", "6": "refused",
                     "7": "refused", "8": "refused"}
    assert "Sign-in name: jo.new is in the file more than once" in text(response)
    assert "2 added, 1 changed, 1 unchanged, 3 refused" in page(response).select_one("#dry-run-summary").get_text()
    assert page(response).select("#save-import") == []            # nothing to save while a row is refused
    assert _person(app, "kim.new") is None and _person(app, "csw-lac").email == "csw-lac@example.org"
    # saving it anyway (a hand-made request) saves nothing either
    forced = client.post("/people/import/save", data={"data": MIXED.decode()})
    assert forced.status_code == 400
    assert error_summary(forced) == ["3 rows cannot be saved: correct the file and check it again. Nothing was saved."]
    assert _person(app, "kim.new") is None and _person(app, "jo.new") is None
    assert _audit(app, "people.imported") == []


def test_a_clean_csv_is_saved_whole_after_its_dry_run(app, client):
    _admin(client)
    clean = _csv(
        ["kim.new", "Kim New", "JARP Co-ordinator", "", "", "kim.new@example.org", "jo.new", ""],
        ["jo.new", "Jo New", "Group Manager", "LAC", "", "jo.new@example.org", "", ""],
        ["csw-lac", "Demo Consultant Social Worker (LAC)", "Consultant Social Worker", "", "LAC Unit 1",
         "csw-lac-new@example.org", "", "no"],
    )
    checked = _check_file(client, clean)
    assert [o for o, _ in _dry_run(checked).values()] == ["added", "added", "changed"]
    form = page(checked).select_one("form[action='/people/import/save']")
    saved = client.post("/people/import/save", data={"data": form.select_one("input[name=data]")["value"]},
                        follow_redirects=True)
    assert "The file is saved: 2 added, 1 changed, 0 unchanged" in text(saved)
    kim, jo = _person(app, "kim.new"), _person(app, "jo.new")
    assert (kim.post, kim.deputy_id) == ("JARP Co-ordinator", jo.id)       # a deputy added further down
    assert (jo.service, jo.unit_id) == ("LAC", None)
    lac = _person(app, "csw-lac")
    assert (lac.email, lac.active) == ("csw-lac-new@example.org", True)    # `active` is not imported
    assert [e.detail for e in _audit(app, "people.imported")] == [{"added": 2, "changed": 1, "unchanged": 0}]
    assert sorted(e.detail["username"] for e in _audit(app, "user.added")) == ["jo.new", "kim.new"]


def test_a_file_caseflow_cannot_read_is_refused_with_a_reason(client):
    _admin(client)
    for data, message in [
        (b"", "Select a CSV file of people"),
        ("username,name\nx,\xe9".encode("latin-1"), "The file must be a CSV file saved as UTF-8"),
        (b"username,name,post\nx,y,z\n", "The first line must name the columns username, name, post, service, "
                                         "unit, email, deputy; missing: service, unit, email, deputy"),
        (_csv(), "The file has no people in it, only the line naming the columns"),
    ]:
        response = _check_file(client, data)
        assert response.status_code == 400 and error_summary(response) == [message], data
    # a NUL inside a value (PostgreSQL would refuse it): the row is refused, naming the field
    rows = _dry_run(_check_file(client, _csv(["nul.person", "Nul Person", "Clinician", "", "CIN Unit 1",
                                              "nul\x00@example.org", "", ""])))
    assert rows["nul.person"] == ("refused", ["E-mail address: Write the e-mail address on one line, "
                                              "without control characters"])
