"""Papers on a case: uploaded with checks, kept outside the web root, shown only to those who may see the case."""
import io
from pathlib import Path

from sqlalchemy import select

from engine.db import db
from engine.models import Document

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import case_id

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, app, content=PDF, filename="genogram.pdf", kind="genogram", reference="CIN-0001"):
    return client.post(f"/cases/{case_id(app, reference)}/documents",
                       data={"kind": kind, "document": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_a_paper_is_uploaded_listed_and_downloaded(client, app):
    sign_in(client, "social-worker")
    response = upload(client, app)
    assert response.status_code == 302
    case_page = client.get(f"/cases/{case_id(app)}")
    row = page(case_page).select_one("#documents tbody tr").get_text(" ", strip=True)
    assert "Genogram" in row and "genogram.pdf" in row
    assert "Paper uploaded: Genogram: genogram.pdf" in text(case_page)
    link = page(case_page).select_one("#documents a")["href"]
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    with app.app_context():
        stored = db.session.scalars(select(Document)).one()
        root = Path(app.config["DOCUMENTS_DIR"])
        assert (root / stored.storage_key[:2] / stored.storage_key).read_bytes() == PDF
        assert "static" not in str(root)


def test_a_file_that_is_not_a_paper_is_refused_clearly(client, app):
    sign_in(client, "social-worker")
    response = upload(client, app, content=b"MZ\x90\x00 not really a pdf", filename="virus.pdf")
    assert response.status_code == 400
    assert any("must be a PDF" in e for e in error_summary(response))
    with app.app_context():
        assert db.session.scalars(select(Document)).all() == []


def test_missing_file_and_kind_are_explained(client, app):
    sign_in(client, "social-worker")
    response = client.post(f"/cases/{case_id(app)}/documents", data={"kind": ""},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Select a file" in error_summary(response)
    response = upload(client, app, kind="")
    assert "Select what kind of paper this is." in error_summary(response)


def test_a_file_over_the_limit_is_refused_without_a_500(client, app):
    sign_in(client, "social-worker")
    response = upload(client, app, content=PDF + b"0" * (22 * 1024 * 1024))
    assert response.status_code == 413
    assert "smaller than 20MB" in text(response)


def test_another_unit_cannot_see_or_add_papers(client, app):
    sign_in(client, "social-worker")
    upload(client, app)
    with app.app_context():
        document_id = db.session.scalars(select(Document.id)).one()
    client.post("/sign-out")
    sign_in(client, "social-worker-lac")
    assert client.get(f"/documents/{document_id}").status_code == 404
    assert upload(client, app).status_code == 404
