"""Papers on a case: upload (checked, stored outside the web root) and download."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for

from engine import documents, queries, reads
from engine.db import db
from engine.models import Document
from engine.transaction import unit_of_work

from .access import permission_required
from .cases import case_context

bp = Blueprint("documents", __name__)


def storage_root() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@permission_required("case.papers.upload")
def upload(case_id):
    case = queries.visible_case(g.user, case_id)
    if case is None:
        abort(404)
    upload = request.files.get("document")
    kind = request.form.get("kind", "")
    errors = []
    if upload is None or not upload.filename:
        errors.append(("document", "Select a file"))
    else:
        try:
            with unit_of_work():
                documents.store(case, kind, upload.filename, upload.read(), g.user, storage_root())
        except documents.DocumentRejected as exc:
            errors.append(("kind" if "kind" in str(exc) else "document", str(exc)))
    if errors:
        return render_template("case.html", errors=errors, **case_context(case)), 400
    flash(f"‘{upload.filename}’ was added to the case papers.", "success")
    return redirect(url_for("cases.case_page", case_id=case.id) + "#papers")


@bp.route("/documents/<int:document_id>")
@permission_required("document.read")
def download(document_id):
    document = db.session.get(Document, document_id)
    if document is None or queries.visible_case(g.user, document.case_id) is None:
        abort(404)
    response = send_file(documents.path_of(document, storage_root()), mimetype=document.content_type,
                         as_attachment=True, download_name=document.filename)
    reads.record(g.user, reads.PAPER_DOWNLOADED, document.case_id,
                 f"paper {document.id}: {document.kind}, {document.filename}")
    return response
