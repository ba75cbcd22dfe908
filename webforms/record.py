"""The decision record of a case (issue 14 §3) as a page, a PDF and JSON:
what was decided, by whom, when, any override and its reason, the child's
views and the papers it rested on (engine/record.py).  Each is audited as a
read: the record "could end up in the public domain"."""
from flask import Response, abort, g, jsonify, render_template
from markupsafe import Markup

from engine import permissions, queries, reads, record
from engine.models import Case
from processes import clock

from . import api, cases
from .access import permission_required


def _case_or_404(case_id: int) -> Case:
    case = queries.visible_case(g.user, case_id)
    if case is None or not permissions.can(g.user, "case.record.view", case):
        abort(404)  # another unit's case looks the same as no case at all
    return case


@cases.bp.route("/<int:case_id>/record")
@permission_required("case.record.view")
def record_page(case_id):
    case = _case_or_404(case_id)
    html = render_template("record.html", case=case, entries=record.of_case(case.id))
    reads.record(g.user, reads.RECORD_PRODUCED, case.id, f"decision record of {case.reference}")
    return html


@cases.bp.route("/<int:case_id>/record.pdf")
@permission_required("case.record.view")
def record_pdf(case_id):
    case = _case_or_404(case_id)
    printed_at = clock.long_time(clock.now())
    html = render_template("record_pdf.html", case=case, entries=record.of_case(case.id),
                           header=css_string(f"{case.reference} – decision record"),
                           footer=css_string(f"Printed by {g.user.name}, at {printed_at}"))
    pdf = pdf_of(html)
    reads.record(g.user, reads.RECORD_PRODUCED, case.id, f"decision record of {case.reference} (PDF)")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="decision-record-{case.reference}.pdf"'})


def css_string(text: str) -> Markup:
    """Text for a CSS `content:` (the page's margin boxes), every other character escaped."""
    return Markup('"' + "".join(c if c.isalnum() or c in " .,:–-" else f"\\{ord(c):x} " for c in text) + '"')


def pdf_of(html: str) -> bytes:
    # imported here: WeasyPrint loads Pango, which only the PDF needs; without
    # it (a machine set up without .ci/run's packages) the page says so, not a 500
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError:
        abort(503, "The PDF cannot be made on this server: Pango is not installed. The record page can be printed.")
    # Nothing is fetched: the page carries its own style and the fonts are the
    # system's; a URL in an answer (a link someone typed) is not followed.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


@api.bp.get("/cases/<int:case_id>/record")
@permission_required("case.record.view")
def record_json(case_id):
    case = queries.visible_case(g.user, case_id)
    if case is None or not permissions.can(g.user, "case.record.view", case):
        raise api.ApiError(404, "There is no such case, or it is not yours to see.")
    answer = jsonify({"case_id": case.id, "case_reference": case.reference, "child_name": case.child_name,
                      "decisions": [e.as_json() for e in record.of_case(case.id)]})
    reads.record(g.user, reads.RECORD_PRODUCED, case.id, f"decision record of {case.reference} (API)")
    return answer
