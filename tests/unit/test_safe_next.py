"""Sign-in sends a person back only to a path of this site (issue 11, item 2)."""
import pytest

from webforms.safe_next import safe_next


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/x\r\nSet-Cookie: a=b", "/x\x00", "http:/evil.example", "javascript:alert(1)",
    "evil.example", "", None, "/%0a", "///evil.example", "/./\\/evil.example",
])
def test_anything_but_a_local_path_is_refused(target):
    result = safe_next(target)
    assert result is None or (result.startswith("/") and not result.startswith("//") and "\\" not in result)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "/\t/evil.example", "/x\r\nLocation: //e", "javascript:alert(1)"])
def test_foreign_targets_give_nothing(target):
    assert safe_next(target) is None


def test_local_paths_are_kept_and_normalised():
    assert safe_next("/cases/3?tab=papers") == "/cases/3?tab=papers"
    assert safe_next("/a/../tasks/") == "/tasks/"
    assert safe_next("/a/..//evil.example") is None or not safe_next("/a/..//evil.example").startswith("//")
