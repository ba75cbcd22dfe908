"""The family's letter (issue 17 item 2): the practitioner reads it on the
page, then prints it as a PDF; printing is audited (engine/letter.py)."""
from flask import Response, abort, g, render_template

from engine import audit, letter, permissions, queries, reads
from engine.transaction import unit_of_work
from processes import clock

from .access import permission_required
from .cases import bp
from .record import css_string, pdf_of


def _case_or_404(case_id: int):
    case = queries.visible_case(g.user, case_id)
    if case is None or not permissions.can(g.user, "case.letter.print", case):
        abort(404)
    return case


@bp.route("/<int:case_id>/letter")
@permission_required("case.letter.print")
def letter_page(case_id):
    case = _case_or_404(case_id)
    return render_template("letter.html", letter=letter.for_case(case), case=case)


@bp.route("/<int:case_id>/letter.pdf")
@permission_required("case.letter.print")
def letter_pdf(case_id):
    case = _case_or_404(case_id)
    html = render_template("letter_pdf.html", letter=letter.for_case(case), case=case,
                           footer=css_string(f"{case.reference} · printed {clock.now():%-d %B %Y}"))
    pdf = pdf_of(html)
    with unit_of_work():
        audit.record("case.letter_printed", g.user, case_id=case.id)
    reads.record(g.user, reads.RECORD_PRODUCED, case.id, f"letter to the family of {case.reference} (PDF)")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="letter-{case.reference}.pdf"'})
