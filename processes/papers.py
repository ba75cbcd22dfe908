"""Kinds of paper a case may hold (Panels: what each panel must be sent)."""

KINDS = {
    "panel_proforma": "Panel pro-forma",
    "genogram": "Genogram",
    "chronology": "Chronology",
    "core_assessment": "Core assessment (with risk analysis)",
    "pre_proceedings_plan": "Pre-proceedings case plan",
    "review_papers": "Latest review papers",
    "care_plan": "Care plan",
    "child_permanence_report": "Child's permanence report (CPR)",
    "prospective_adopter_report": "Prospective adopter's report (PAR)",
    "form_f": "Form F assessment",
    "medical_report": "Medical report",
    "placement_report": "Adoption / fostering placement report",
    "foster_carer_review": "Foster carer review",
    "references": "References and checks",
    "court_order": "Court order or directions",
    "other": "Other document",
}


def label(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())
