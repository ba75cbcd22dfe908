"""The letter a family can read (issue 17 item 2): what is happening, what
was decided and why, what happens next and by when, and who to contact; no
internal answer; read on the page first; printing audited."""
import io
import re
from datetime import datetime

import freezegun
from pypdf import PdfReader

from processes import clock

from ..conftest import page, sign_in, text
from .jarp_steps import ALLOCATE_TIER3, case_id, complete_as, referral_by_social_worker
from .resource_panel_steps import PRESENTING, recommend


def test_the_letter_says_what_was_decided_and_what_happens_next_in_plain_words(app, client):
    with freezegun.freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=clock.LONDON)):
        referral_by_social_worker(client, app)
    with freezegun.freeze_time(datetime(2026, 11, 24, 11, 0, tzinfo=clock.LONDON)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
        sign_in(client, "social-worker")
        letter = page(client.get(f"/cases/{case_id(app)}/letter")).select_one("#letter")
    said = letter.get_text(" ", strip=True)
    assert "Dear Amira Khan and family" in said
    assert "We are working on your case: JARP referral" in said
    assert "Record JARP decision" in said and "Services agreed and agencies to allocate them" in said
    assert "What happens next" in said and "should happen by" in said
    assert "Your social worker in CIN Unit 1" in said
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", said) == []           # words, never codes such as tier3 or family_therapy


def test_an_internal_answer_never_appears_and_printing_is_recorded(app, client):
    with freezegun.freeze_time(datetime(2026, 11, 23, 10, 0, tzinfo=clock.LONDON)):
        recommend(client, app, ["s20_planned"])
    sign_in(client, "consultant-social-worker")
    shown = text(client.get(f"/cases/{case_id(app)}/letter"))
    assert "Recommend the case for the Resource Panel" in shown
    assert PRESENTING["legal_advice"] not in shown                    # marked internal in the form
    assert PRESENTING["child_wishes"] in shown                         # what the child said: theirs to read
    printed = client.get(f"/cases/{case_id(app)}/letter.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages)
    assert "Dear Amira Khan and family" in words
    assert PRESENTING["legal_advice"] not in words
    sign_in(client, "head-of-service")
    trail = text(client.get(f"/cases/{case_id(app)}"))
    assert "Letter to the family printed" in trail
    reads = text(client.get(f"/cases/{case_id(app)}/reads"))
    assert "letter to the family of CIN-0001 (PDF)" in reads


def test_the_letter_of_a_pending_transfer_says_where_the_case_goes_and_when(app, client):
    from .test_case_transfer import _court_case_accepted
    r = _court_case_accepted(client, app)
    sign_in(client, "csw-aa")
    printed = client.get(f"/cases/{case_id(app, r.reference)}/letter.pdf")
    assert printed.status_code == 200
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages)
    words = re.sub(r"\s+", " ", words)
    assert "Your case is moving to a new team, CIN Unit 1, on Wednesday 20 January 2027." in words
    assert "Until then A&A Unit 1 keeps your case." in words
    assert "Accept the transfer" in words                                # what was decided
    assert "Pending transfer" in words or "What happens next" in words


def test_the_pdf_of_a_jarp_decision_letter_carries_the_decision(app, client):
    with freezegun.freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=clock.LONDON)):
        referral_by_social_worker(client, app)
    with freezegun.freeze_time(datetime(2026, 11, 24, 11, 0, tzinfo=clock.LONDON)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
    sign_in(client, "social-worker")
    printed = client.get(f"/cases/{case_id(app)}/letter.pdf")
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages))
    assert "Record JARP decision" in words and "Services agreed and agencies to allocate them" in words
    assert ALLOCATE_TIER3["rationale"] in words                          # why
