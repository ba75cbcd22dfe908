"""Each named permission's rule, post by post (engine.permissions)."""
import pytest

from engine import permissions
from engine.models import User
from processes import posts

EXPECTED = {
    "agenda.jarp": {"JARP Co-ordinator", "JARP Chair", posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "agenda.resource_panel": {"Panel Administrator", "Panel Manager", "Panel Chair",
                              posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "agenda.resource_panel.edit": {"Panel Administrator", "Panel Manager"},
    "dashboard.view": {posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR,
                       posts.DEPUTY_DIRECTOR, "Panel Manager"},
    "dashboard.unit_week": {"Unit Co-ordinator", posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE,
                            posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR, "Panel Manager"},
    "instance.repair": {posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR,
                        posts.DEPUTY_DIRECTOR},
    "case.reads.view": {posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "case.reads.view": {posts.HEAD_OF_SERVICE, posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "process.view": {"Process Owner", posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR},
    "process.edit": {"Process Owner"},
    "process.deploy": {"Process Owner"},
    "panel.dates.manage": {"Panel Manager"},
    "panel.booking.reserve": {"Panel Advisor"},
    "panel.sitting.view": {"Panel Manager", "Panel Administrator", "Panel Advisor", "Panel Chair",
                           "Head of Service Children's Resources", posts.ASSISTANT_DIRECTOR,
                           posts.DEPUTY_DIRECTOR},
}
EVERY_POST = ("task.list", "task.read", "task.complete", "case.list", "case.read", "case.papers.upload",
              "document.read", "instance.start", "instance.read", "panel.calendar.view", "signed_in", "account.manage")


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("post", posts.POSTS)
def test_a_post_holds_a_restricted_permission_only_when_the_policy_gives_it(name, post):
    assert permissions.can(User(post=post), name) is (post in EXPECTED[name])


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
