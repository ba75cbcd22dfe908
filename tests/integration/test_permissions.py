"""One access policy: every route declares a permission, and the navigation,
the pages and the API give the same answer for it."""
from sqlalchemy import select

from engine import permissions
from engine.accounts import issue_token
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work
from webforms.access import PUBLIC

from ..conftest import page, sign_in

# The only routes anyone may use without signing in.
# the council sign-in starts and returns before anyone is signed in (webforms/oidc.py)
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.logout", "api.openapi", "oidc.start", "oidc.callback"}


def test_every_route_declares_a_known_permission(app):
    undeclared, unknown, public = [], [], set()
    for rule in app.url_map.iter_rules():
        declared = getattr(app.view_functions[rule.endpoint], "permission", None)
        if declared is None:
            undeclared.append(rule.rule)
        elif declared == PUBLIC:
            public.add(rule.endpoint)
        elif declared not in permissions.RULES:
            unknown.append((rule.rule, declared))
    assert undeclared == [], f"routes without @permission_required or @public: {undeclared}"
    assert unknown == []
    assert public == PUBLIC_ENDPOINTS


def _nav(client) -> set[str]:
    return {a.get_text(strip=True) for a in page(client.get("/")).select(".govuk-service-navigation__link")}


def test_the_navigation_offers_only_what_the_post_may_open(client):
    sign_in(client, "process-owner")
    assert "Processes" in _nav(client)
    assert client.get("/processes/").status_code == 200
    client.post("/sign-out")
    sign_in(client, "social-worker")
    nav = _nav(client)
    assert {"My tasks", "Cases"} <= nav
    assert not nav & {"Processes", "Manage", "Week ahead", "JARP agenda", "Resource Panel agenda"}
    assert client.get("/processes/").status_code == 403
    assert client.get("/manage/").status_code == 403


def test_a_unit_coordinator_gets_the_week_ahead_not_the_dashboard(client):
    sign_in(client, "unit-co-ordinator")
    nav = _nav(client)
    assert "Week ahead" in nav and "Manage" not in nav
    assert client.get("/manage/unit").status_code == 200
    assert client.get("/manage/").status_code == 403


def test_signed_out_pages_go_to_sign_in(client):
    response = client.get("/processes/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/sign-in").status_code == 200


def test_the_api_refuses_a_post_without_the_permission_in_json(client, app):
    with app.app_context():
        with unit_of_work():
            user = db.session.scalar(select(User).filter_by(username="social-worker"))
            token, _ = issue_token(user)
    response = client.get("/api/v1/definitions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "process.edit" in response.json["error"]
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# The same action, on a page and in the API: one permission guards both.
SAME_ACTION = [("modeller.deploy", "api.deploy", "process.deploy"),
               ("modeller.migrate", "api.migrate", "process.deploy"),
               ("modeller.save_draft", "api.save_draft", "process.edit"),
               ("modeller.validate", "api.validate", "process.edit"),
               ("tasks.task_page", "api.read_task", "task.read"),
               # issue 14 §4: the register's list, and a case's audit trail (on its page)
               ("people.people_list", "api.people_list", "people.manage"),
               ("cases.case_page", "api.case_audit", "case.read")]


def test_a_page_and_the_api_declare_the_same_permission_for_the_same_action(app):
    for page_endpoint, api_endpoint, name in SAME_ACTION:
        assert app.view_functions[page_endpoint].permission == name, page_endpoint
        assert app.view_functions[api_endpoint].permission == name, api_endpoint


def test_a_director_may_look_at_processes_but_not_move_instances(app, client):
    with app.app_context():
        with unit_of_work():
            director = db.session.scalar(select(User).filter_by(username="assistant-director"))
            token, _ = issue_token(director)
    bearer = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/definitions/jarp_referral/migrations?dry_run=1", headers=bearer)
    assert response.status_code == 403 and "process.deploy" in response.json["error"]
    sign_in(client, "assistant-director")
    process = page(client.get("/processes/jarp_referral"))
    assert process.select_one("a[href='/processes/jarp_referral/migrate']") is None
    assert client.get("/processes/jarp_referral/migrate").status_code == 403
    client.post("/sign-out")
    sign_in(client, "process-owner")
    process = page(client.get("/processes/jarp_referral"))
    assert process.select_one("a[href='/processes/jarp_referral/migrate']") is not None
    assert client.get("/processes/jarp_referral/migrate").status_code == 200
