"""What an audit event's detail says reads as words on the managers' instance
history (issue 15 item 1): each key the engine records has a label or is an
internal reference left out, and codes become their labels."""
import re
from pathlib import Path

from engine.audit_words import HIDDEN, LABELS, detail_in_words

ROOT = Path(__file__).resolve().parents[2]


def test_every_detail_key_the_trail_records_has_a_label_or_is_left_out():
    source = "\n".join(p.read_text() for folder in ("engine", "webforms") for p in (ROOT / folder).rglob("*.py"))
    details = re.findall(r"detail=\{(.*?)\}\)", source, re.S)
    keys = {k for d in details for k in re.findall(r'"([a-z_]+)":', d)}
    assert {"case_type", "sitting_on", "process"} <= keys
    assert sorted(k for k in keys if k not in LABELS and k not in HIDDEN) == []


def test_a_booking_reads_in_words_without_its_ids():
    rows = detail_in_words({"case_type": "adoption_best_interests", "sitting_on": "2027-02-03",
                            "reserve_for": None, "booking": 12, "was": "carried_over"})
    assert rows == [("Case type", "Placement for adoption (best interests)"), ("Panel date", "Wednesday 3 February 2027"),
                    ("Was", "Carried over")]


def test_a_move_names_the_units_and_people():
    assert detail_in_words({"from": {"service": "CIN", "unit": "CIN Unit 1"}, "to": "Jo Bloggs", "to_id": 4}) == [
        ("From", "CIN Unit 1 (CIN)"), ("To", "Jo Bloggs")]
