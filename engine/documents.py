"""Papers uploaded to a case: checked, stored outside the web root, audited."""
import hashlib
import os
import re
import uuid
from pathlib import Path

from processes import papers

from . import audit
from .db import db
from .models import Document

MAX_BYTES = 20 * 1024 * 1024

# What a paper may be, told by its first bytes, not by what the browser says.
_SIGNATURES = [
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     (".docx", ".odt", ".xlsx")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword", (".doc", ".xls")),
]
ALLOWED = "PDF, Word (DOC or DOCX), ODT, Excel, PNG or JPEG"


class DocumentRejected(ValueError):
    """Why an upload was refused, in plain words."""


def _safe_name(name: str) -> str:
    base = os.path.basename(name or "").strip()
    base = re.sub(r"[^\w.\- ()]+", "_", base)[:150]
    return base or "document"


def _type_of(head: bytes, filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()
    for magic, content_type, extensions in _SIGNATURES:
        if head.startswith(magic) and ext in extensions:
            return content_type
    raise DocumentRejected(f"The selected file must be a {ALLOWED}.")


def store(case, kind: str, filename: str, content: bytes, actor, root: Path) -> Document:
    if kind not in papers.KINDS:
        raise DocumentRejected("Select what kind of paper this is.")
    if not content:
        raise DocumentRejected("The selected file is empty.")
    if len(content) > MAX_BYTES:
        raise DocumentRejected(f"The selected file must be smaller than {MAX_BYTES // (1024 * 1024)}MB.")
    name = _safe_name(filename)
    content_type = _type_of(content[:16], name)
    key = uuid.uuid4().hex
    path = root / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    document = Document(case_id=case.id, kind=kind, filename=name, content_type=content_type,
                        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                        storage_key=key, uploaded_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    audit.record("document.uploaded", actor, case_id=case.id,
                 element_name=f"{papers.label(kind)}: {name}", detail={"document": document.id})
    return document


def path_of(document: Document, root: Path) -> Path:
    return root / document.storage_key[:2] / document.storage_key


def describe(document: Document) -> dict:
    """What a form answer records about a paper."""
    return {"id": document.id, "kind": document.kind, "name": document.filename,
            "label": papers.label(document.kind)}
