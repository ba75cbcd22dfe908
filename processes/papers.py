"""Kinds of paper a case may hold (Panels: what each panel must be sent)."""

KINDS = {
    "panel_proforma": "Panel pro-forma",
    "genogram": "Genogram",
    "chronology": "Chronology",
    "core_assessment": "Core assessment (with risk analysis)",
    "pre_proceedings_plan": "Pre-proceedings case plan",
    "review_papers": "Latest review papers",
    "family_support_evidence": "Evidence of family support used",
    "care_plan": "Care plan",
    "child_permanence_report": "Child's permanence report (CPR)",
    "prospective_adopter_report": "Prospective adopter's report (PAR)",
    "form_f": "Form F assessment",
    "medical_report": "Medical report",
    "placement_report": "Adoption / fostering placement report",
    "foster_carer_review": "Foster carer review",
    "references": "References and checks",
    "court_order": "Court order or directions",
    # Adoption and Fostering Panels (Panels §4 and §5 "Documentation required"):
    # the checklists in processes/panel_booking.py name these kinds.
    "photos": "Photos (copies, not originals)",
    "foster_carer_report": "Foster carer's report",
    "psychiatric_report": "Psychiatric report",
    "guardian_report": "Children's guardian (GAL) report",
    "education_report": "Education report (PEP, school attendance, progress)",
    "psychologist_report": "Psychologist's report",
    "specialist_medical_report": "Additional specialist medical report",
    "child_views": "Child's written statement of their views",
    "birth_mother_views": "Views of the birth mother",
    "birth_father_views": "Views of the birth father",
    "crb_check": "CRB / DBS check",
    "nspcc_check": "NSPCC check",
    "local_authority_checks": "Local authority checks",
    "safeguarding_checks": "Safeguarding checks (several together)",
    "health_safety_check": "Health and safety checklist",
    "placement_order": "Placement order",
    "termination_report": "Termination report",
    "change_of_plan_report": "Change of plan report (with recommendation)",
    "family_finding": "Family finding activities",
    "panel_extracts": "Previous panel minutes or extracts",
    "feedback": "Feedback (social workers, young people, professionals)",
    "investigation_report": "Report on investigation, continuation or circumstances",
    "kinship_assessment": "Kinship assessment or Form F2",
    "other": "Other document",
}


def label(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())
