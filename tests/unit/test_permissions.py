"""Each named permission's rule, post by post (engine.permissions)."""
import pytest

from engine import permissions
from engine.models import User
from processes import posts

EXPECTED = {
    "agenda.jarp": {"JARP Co-ordinator", "JARP Chair", "Agency Representative", posts.ASSISTANT_DIRECTOR,
                    posts.DEPUTY_DIRECTOR},
    # Panels §1: its staff and members; a Head of Service or Group Manager by service (below)
    "agenda.resource_panel": {"Panel Administrator", "Panel Manager", posts.ASSISTANT_DIRECTOR,
                              posts.DEPUTY_DIRECTOR, "Head of Family Support",
                              "Head of Service Children's Resources", "Principal Lawyer",
                              "Independent Reviewing Team Manager", "Virtual School Head Teacher"},
    "agenda.resource_panel.edit": {"Panel Administrator", "Panel Manager"},
    "dashboard.view": {posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR,
                       posts.DEPUTY_DIRECTOR, "Panel Manager"},
    "dashboard.unit_week": {"Unit Co-ordinator", posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE,
                            posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR, "Panel Manager"},
    "instance.repair": {posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR,
                        posts.DEPUTY_DIRECTOR},
    "case.reads.view": {posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "process.view": {"Process Owner", posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "process.edit": {"Process Owner"},
    "process.deploy": {"Process Owner"},
    "people.manage": {"System administrator"},
    "panel.dates.manage": {"Panel Manager"},
    "task.allocate": {posts.CSW, posts.REFERRAL_MANAGER},
    # issue 14 §2: the register of cases
    "case.register": {posts.REFERRAL_MANAGER, posts.CSW, "Unit Co-ordinator", posts.GROUP_MANAGER,
                      posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR, "System administrator"},
    "case.close": {posts.CSW, posts.REFERRAL_MANAGER, posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE,
                   posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "panel.booking.reserve": {"Panel Advisor"},
    "panel.sitting.view": {"Panel Manager", "Panel Administrator", "Panel Advisor", "Panel Chair",
                           "Head of Service Children's Resources", posts.ASSISTANT_DIRECTOR,
                           posts.DEPUTY_DIRECTOR},
}
EVERY_POST = ("task.list", "task.read", "task.complete", "case.list", "case.read", "case.papers.upload",
              "document.read", "instance.start", "instance.read", "panel.calendar.view", "signed_in", "account.manage",
              # issue 13: one's own notifications and absences, taking a task, comments (the object decides)
              "notifications.own", "absence.manage", "task.take", "comment.add", "procedure.view",
              "case.record.view", "case.letter.print")


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("post", posts.POSTS)
def test_a_post_holds_a_restricted_permission_only_when_the_policy_gives_it(name, post):
    assert permissions.can(User(post=post), name) is (post in EXPECTED[name])


@pytest.mark.parametrize("post, service, member", [
    (posts.HEAD_OF_SERVICE, "A&A", True), (posts.HEAD_OF_SERVICE, "CIN", True),
    (posts.HEAD_OF_SERVICE, "Family Support", True), (posts.HEAD_OF_SERVICE, "LAC", True),
    (posts.HEAD_OF_SERVICE, "Adoption", False), (posts.HEAD_OF_SERVICE, "CWD", False),
    (posts.GROUP_MANAGER, "ART", True), (posts.GROUP_MANAGER, "CIN", False),
])
def test_a_head_of_service_sits_on_the_resource_panel_for_its_service(post, service, member):
    assert permissions.can(User(post=post, service=service), "agenda.resource_panel") is member


@pytest.mark.parametrize("name", EVERY_POST)
def test_every_post_holds_the_permissions_whose_object_decides(name):
    assert all(permissions.can(User(post=p), name) for p in posts.POSTS)


def test_every_named_permission_has_an_expected_answer_here():
    assert set(permissions.RULES) == set(EXPECTED) | set(EVERY_POST)


def test_no_one_signed_in_holds_nothing():
    assert not any(permissions.can(None, name) for name in permissions.RULES)


def test_an_unknown_permission_is_refused_loudly():
    with pytest.raises(permissions.UnknownPermission):
        permissions.can(User(post=posts.DEPUTY_DIRECTOR), "case.delete")
    from webforms.access import permission_required
    with pytest.raises(permissions.UnknownPermission):
        permission_required("case.delete")


def test_the_case_reads_page_is_for_the_case_s_own_head_of_service_and_the_directors():
    from engine.models import Case
    cin = Case(service="CIN")
    assert permissions.can(User(post=posts.HEAD_OF_SERVICE, service="CIN"), "case.reads.view", cin)
    assert not permissions.can(User(post=posts.HEAD_OF_SERVICE, service="LAC"), "case.reads.view", cin)
    assert permissions.can(User(post=posts.DEPUTY_DIRECTOR), "case.reads.view", cin)
    assert not permissions.can(User(post=posts.GROUP_MANAGER, service="CIN"), "case.reads.view", cin)


def test_a_consultant_social_worker_allocates_only_in_their_own_unit():
    from engine.models import Task
    csw = User(post=posts.CSW, unit_id=1)
    assert permissions.can(csw, "task.allocate", Task(unit_id=1))
    assert not permissions.can(csw, "task.allocate", Task(unit_id=2))


def test_a_manager_records_absences_for_their_own_people_only():
    gm = User(id=1, post=posts.GROUP_MANAGER, service="CIN")
    assert permissions.can(gm, "absence.manage", User(id=2, post=posts.CSW, service="CIN", unit_id=5))
    assert not permissions.can(gm, "absence.manage", User(id=3, post=posts.CSW, service="LAC", unit_id=6))
    worker = User(id=4, post=posts.SOCIAL_WORKER, service="CIN", unit_id=5)
    assert permissions.can(worker, "absence.manage", worker)
    assert not permissions.can(worker, "absence.manage", User(id=2, post=posts.CSW, service="CIN", unit_id=5))
