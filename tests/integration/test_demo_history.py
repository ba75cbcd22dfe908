"""The demo history (issue 14 §5): `flask seed-demo` on a fresh migrated and
deployed database gives every page something real to show, as the people who
use them see it; running it again changes nothing."""
import re
from collections import Counter

from sqlalchemy import func, select

from engine.db import db
from engine.models import AuditEvent, Booking, Case, ProcessInstance, Task
from processes import clock, jarp, resource_panel
from webforms import demo_history

from ..conftest import page, sign_in, text
from .manage_steps import deploy, start


def _seed(runner) -> str:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _totals(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                     (Case, ProcessInstance, Task, Booking, AuditEvent))


def _instance_with(app, status: str) -> int:
    with app.app_context():
        ids = db.session.scalars(select(ProcessInstance.id).filter_by(status=status)).all()
    assert len(ids) == 1, f"{len(ids)} instances {status}"
    return ids[0]


def test_the_history_fills_every_page_once(app, client, runner):
    output = _seed(runner)
    assert "Demo history added: 200 cases over 12 weeks" in output
    now = clock.now()

    # about 200 cases over the units, each of the ten with its twenty and more
    sign_in(client, "assistant-director")
    rows = page(client.get("/cases/")).select("table tbody tr")
    units = Counter(r.select("td")[3].get_text(strip=True) for r in rows)
    assert len(rows) == 206 and len(units) == 10 and min(units.values()) >= 20

    # the managers' overview: overdue work, one failed step, the twelve weeks' chart
    overview = page(client.get("/manage/"))
    jarp_row = next(r for r in overview.select("#by-process tbody tr") if "JARP referral" in r.get_text())
    opened, overdue, stuck = (int(td.get_text(strip=True)) for td in jarp_row.select("td"))
    assert opened > 20 and overdue > 5 and stuck >= 1
    started = [int(r.select("td")[0].get_text(strip=True)) for r in overview.select("#trend-jarp_referral tbody tr")]
    assert len(started) == 12 and sum(1 for n in started if n) >= 10
    completed = [int(r.select("td")[1].get_text(strip=True)) for r in overview.select("#trend-jarp_referral tbody tr")]
    assert sum(completed) > 5
    assert len(page(client.get("/manage/overdue")).select("#overdue tbody tr")) > 5
    assert "Apply decision: ValueError:Invalid isoformat string" in text(client.get("/manage/stuck?reason=error"))
    failed = text(client.get(f"/manage/instances/{_instance_with(app, 'error')}"))
    assert "Status Error" in failed and "Invalid isoformat string" in failed
    suspended = page(client.get(f"/manage/instances/{_instance_with(app, 'suspended')}"))
    assert "Status Suspended" in re.sub(r"\s+", " ", suspended.get_text(" ", strip=True))
    assert suspended.find("button", string=re.compile("Resume"))
    client.post("/sign-out")

    # the JARP agenda of the coming sitting lists referrals
    sign_in(client, "jarp-co-ordinator")
    sitting = jarp.meeting_for(now)
    agenda = page(client.get("/agenda/jarp")).select_one(f'table.agenda[data-sitting="{sitting.isoformat()}"]')
    assert agenda is not None and len(agenda.select("tbody tr")) >= 6
    client.post("/sign-out")

    # the Resource Panel's agenda of the coming Monday lists cases with their papers
    sign_in(client, "panel-administrator")
    monday = resource_panel.panel_for(now)
    listed = page(client.get("/agenda/resource-panel")).select_one(
        f'table.resource-panel-agenda[data-sitting="{monday.isoformat()}"]')
    assert monday.weekday() == 0 and listed is not None and len(listed.select("tbody tr")) == 3
    assert "Panel pro-forma: panel_proforma.pdf" in listed.get_text(" ")
    client.post("/sign-out")

    # the Adoption Panel's next date is full, with two on its reserve list
    sign_in(client, "panel-advisor")
    calendar = page(client.get(f"/panels/adoption?year={now.year + 1}")).get_text(" ") + \
        page(client.get(f"/panels/adoption?year={now.year}")).get_text(" ")
    assert "6 of 6" in calendar and "Full" in calendar
    with app.app_context():
        day = db.session.scalars(select(Booking).filter_by(status="reserve")).first().sitting.sitting_on
    sitting_page = page(client.get(f"/panels/adoption/dates/{day.isoformat()}"))
    assert len(sitting_page.select("table.agenda tbody tr")) == 6
    assert len(sitting_page.select("table.reserve tbody tr")) == 2
    client.post("/sign-out")

    # back-dated, and still one unbroken audit trail
    verified = runner.invoke(args=["audit-verify"])
    assert verified.exit_code == 0 and "every link holds" in verified.output

    # once only: again, nothing is added, and it says so
    before = _totals(app)
    assert "The demo history is already there: nothing added." in _seed(runner)
    assert _totals(app) == before


def test_no_history_next_to_other_work(app, runner):
    """Someone has started a process here: the history is not mixed in."""
    with app.app_context():
        assert demo_history.history_present() is False
    minimal = runner.invoke(args=["seed-demo", "--no-history"])
    assert minimal.exit_code == 0 and "history" not in minimal.output
    deploy(app)
    start(app)
    before = _totals(app)
    assert "This database holds more than the demo's first data: no demo history added." in _seed(runner)
    assert _totals(app) == before
