"""Every action the engine and the pages audit reads as plain words in a
case's or an instance's trail, not as its code."""
import re
from pathlib import Path

from webforms.formatting import audit_label

ROOT = Path(__file__).resolve().parents[2]


def test_every_audited_action_has_a_label():
    source = "\n".join(p.read_text() for folder in ("engine", "webforms") for p in (ROOT / folder).rglob("*.py"))
    actions = set(re.findall(r'audit\.record\(\s*"([a-z_.]+)"', source))
    assert len(actions) > 20
    assert [a for a in sorted(actions) if audit_label(a) == a] == []
    assert audit_label("task.reassigned") == "Task reassigned"
