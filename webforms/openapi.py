"""The OpenAPI 3.1 description of /api/v1."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description, schema=None):
    body = {"description": description}
    if schema:
        body["content"] = {"application/json": {"schema": schema}}
    return body


_ERRORS = {
    "401": _resp("No valid API token", _ERROR),
    "404": _resp("Not found, or not yours to see", _ERROR),
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "caseflow API", "version": "1.0.0",
             "description": "Start processes, list and complete tasks, read process instances."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": {
        "/tasks": {"get": {
            "summary": "Open tasks for my post, unit or service, and those assigned to me",
            "responses": {"200": _resp("My tasks", {"type": "object", "properties": {
                "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}}}),
                "401": _ERRORS["401"]}}},
        "/tasks/{task_id}": {"get": {
            "summary": "A task with its form schema and data",
            "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _resp("The task", {"allOf": [
                {"$ref": "#/components/schemas/Task"},
                {"type": "object", "properties": {"form_schema": {"type": ["object", "null"]},
                                                  "data": {"type": "object"}}}]}), **_ERRORS}}},
        "/tasks/{task_id}/complete": {"post": {
            "summary": "Complete a task with the form's answers",
            "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["data"], "properties": {
                    "data": {"type": "object", "description": "Answers, as the task's form_schema describes"},
                    "override_reason": {"type": "string", "description":
                                        "Why a blocking rule is overridden (posts with the authority only)"}}}}}},
            "responses": {
                "200": _resp("Completed; the instance as it now stands", {"$ref": "#/components/schemas/Instance"}),
                "400": _resp("The body is not a JSON object with 'data'", _ERROR),
                "403": _resp("Not your task to complete", _ERROR),
                "409": _resp("Already completed (the message says by whom)", _ERROR),
                "422": _resp("Answers not accepted: errors per field, or rules not met", _ERROR),
                **_ERRORS}}},
        "/instances": {"post": {
            "summary": "Start a process for a case",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["process", "case_id"], "properties": {
                    "process": {"type": "string", "examples": ["jarp_referral"]},
                    "case_id": {"type": "integer"}}}}}},
            "responses": {"201": _resp("Started", {"$ref": "#/components/schemas/Instance"}),
                          "400": _resp("Bad request", _ERROR),
                          "403": _resp("Your post cannot start this process", _ERROR),
                          "409": _resp("One at a time: already running on this case", _ERROR),
                          "503": _resp("The database is busy with another change: try again", _ERROR),
                          **_ERRORS}}},
        "/instances/{instance_id}": {"get": {
            "summary": "A process instance with its state, data and tasks",
            "parameters": [{"name": "instance_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": _resp("The instance", {"$ref": "#/components/schemas/Instance"}),
                          **_ERRORS}}},
    },
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": ["string", "null"]}, "message": {"type": "string"},
                    "can_override": {"type": "boolean"}}}}}},
            "Task": {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "element": {"type": "string"},
                "process": {"type": "string"}, "instance_id": {"type": "integer"},
                "case_id": {"type": ["integer", "null"]}, "case_reference": {"type": ["string", "null"]},
                "post": {"type": ["string", "null"]}, "state": {"enum": ["ready", "completed", "cancelled"]},
                "priority": {"type": ["integer", "null"]},
                "due_at": {"type": ["string", "null"], "format": "date-time"},
                "created_at": {"type": "string", "format": "date-time"},
                "completed_by": {"type": ["string", "null"]},
                "completed_at": {"type": ["string", "null"], "format": "date-time"},
                "form": {"type": ["string", "null"]}}},
            "Instance": {"type": "object", "properties": {
                "id": {"type": "integer"}, "process": {"type": "string"}, "version": {"type": "integer"},
                "case_id": {"type": ["integer", "null"]},
                "status": {"enum": ["running", "complete", "error", "suspended", "cancelled"]},
                "error": {"type": ["string", "null"]},
                "started_at": {"type": "string", "format": "date-time"},
                "completed_at": {"type": ["string", "null"], "format": "date-time"},
                "data": {"type": "object"},
                "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}}},
        },
    },
}


# ---------------------------------------------------------------- process definitions
# The Process Owner's operations (webforms/modeller_api.py); other posts get 403.

_PROCESS = {"name": "process", "in": "path", "required": True, "schema": {"type": "string"},
            "description": "The process id (the BPMN process element's id), e.g. jarp_review"}
_OWNER_ONLY = {"403": _resp("Only a Process Owner may do this", _ERROR)}
_PROBLEMS = {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}

OPENAPI["paths"].update({
    "/definitions": {"get": {
        "summary": "Every process: its versions (deployer, date, instances on each) and the current one",
        "responses": {"200": _resp("The definitions", {"type": "object", "properties": {
            "definitions": {"type": "array", "items": {"$ref": "#/components/schemas/Definition"}}}}),
            "401": _ERRORS["401"], **_OWNER_ONLY}}},
    "/definitions/{process}/draft": {"get": {
        "summary": "The diagram an editor opens (the draft, else the current version) and the base hash to save against",
        "parameters": [_PROCESS],
        "responses": {"200": _resp("The diagram", {"type": "object", "properties": {
            "process": {"type": "string"}, "xml": {"type": "string"}, "base": {"type": "string"},
            "source": {"type": "string"}}}), **_OWNER_ONLY, **_ERRORS}}},
    "/definitions/{process}/drafts": {"post": {
        "summary": "Save the diagram as the process's draft, if it has not changed since 'base'",
        "parameters": [_PROCESS],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["xml", "base"], "properties": {
                "xml": {"type": "string", "description": "The BPMN 2.0 XML"},
                "base": {"type": "string", "description": "The base hash given when the diagram was opened"}}}}}},
        "responses": {
            "201": _resp("Saved; 'hash' is the base for the next save or the deploy", {"type": "object", "properties": {
                "process": {"type": "string"}, "hash": {"type": "string"}}}),
            "409": _resp("Changed since 'base': nothing was saved over it; this diagram is kept as copy 'copy'",
                         {"type": "object", "properties": {"error": {"type": "string"}, "copy": {"type": "integer"}}}),
            "400": _resp("No diagram sent", _ERROR), **_OWNER_ONLY, **_ERRORS}}},
    "/definitions/{process}/validation": {"post": {
        "summary": "Every reason the diagram (or, if none is sent, the saved draft) cannot be deployed",
        "parameters": [_PROCESS],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"xml": {"type": "string"}}}}}},
        "responses": {"200": _resp("Problems, each tied to an element id; warnings (steps with no sentence "
                                   "for the family) do not stop a deploy", {"type": "object", "properties": {
            "valid": {"type": "boolean"}, "problems": _PROBLEMS, "warnings": _PROBLEMS}}), **_OWNER_ONLY, **_ERRORS}}},
    "/definitions/{process}/deploy": {"post": {
        "summary": "Deploy the saved draft as a new version: new instances start on it, running ones stay on theirs",
        "parameters": [_PROCESS],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["base"], "properties": {
                "base": {"type": "string", "description": "The draft's hash, as the last save returned"}}}}}},
        "responses": {
            "201": _resp("Deployed", {"type": "object", "properties": {"deployed": {"type": "array", "items": {
                "type": "object", "properties": {"process": {"type": "string"}, "version": {"type": "integer"},
                                                 "current": {"type": "boolean"}}}}}}),
            "400": _resp("There is no saved draft", _ERROR),
            "409": _resp("The draft changed since 'base'", _ERROR),
            "422": _resp("Not valid: 'errors' lists the problems, each with its element", _ERROR),
            **_OWNER_ONLY, **_ERRORS}}},
    "/definitions/{process}/migrations": {"post": {
        "summary": "Move running instances to the current version; with dry_run, say which can move and why others cannot",
        "parameters": [_PROCESS, {"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
                                  "description": "1: list the running instances on other versions; move nothing"}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"instances": {"type": "array", "items": {"type": "integer"},
                                                           "description": "The instances to move (not for a dry run)"}}}}}},
        "responses": {
            "200": _resp("The plan (dry run), or what moved and what did not", {"type": "object", "properties": {
                "process": {"type": "string"}, "to_version": {"type": "integer"}, "dry_run": {"type": "boolean"},
                "instances": {"type": "array", "items": {"$ref": "#/components/schemas/Move"}},
                "moved": {"type": "array", "items": {"$ref": "#/components/schemas/Move"}},
                "refused": {"type": "array", "items": {"$ref": "#/components/schemas/Move"}}}}),
            "400": _resp("No instances listed", _ERROR),
            "409": _resp("An instance changed meanwhile: none was moved", _ERROR),
            **_OWNER_ONLY, **_ERRORS}}},
})
OPENAPI["components"]["schemas"].update({
    "Problem": {"type": "object", "properties": {
        "element": {"type": ["string", "null"], "description": "The id of the element it is about"},
        "message": {"type": "string"}}},
    "Definition": {"type": "object", "properties": {
        "process": {"type": "string"}, "name": {"type": "string"},
        "current_version": {"type": ["integer", "null"]}, "draft": {"type": ["string", "null"]},
        "versions": {"type": "array", "items": {"type": "object", "properties": {
            "version": {"type": "integer"}, "deployed_by": {"type": "string"},
            "deployed_at": {"type": "string", "format": "date-time"}, "current": {"type": "boolean"},
            "running_instances": {"type": "integer"},
            "instances_by_status": {"type": "object", "additionalProperties": {"type": "integer"}}}}}}},
    "Move": {"type": "object", "properties": {
        "instance_id": {"type": "integer"}, "case_id": {"type": ["integer", "null"]},
        "case_reference": {"type": ["string", "null"]}, "from_version": {"type": "integer"},
        "to_version": {"type": "integer"}, "can_move": {"type": "boolean"},
        "reason": {"type": ["string", "null"]}, "open_steps": {"type": "array", "items": {"type": "string"}}}},
})


# ---------------------------------------------------------------- the case register
# webforms/cases_api.py: a case management system pushes its cases in (issue 14 §2).

_CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CASE_FIELDS = {
    "reference": {"type": "string", "maxLength": 40, "examples": ["CIN-0042"]},
    "child_name": {"type": "string", "maxLength": 120},
    "date_of_birth": {"type": ["string", "null"], "format": "date"},
    "expected_delivery_date": {"type": ["string", "null"], "format": "date",
                               "description": "For an unborn child (pre-birth case)"},
    "cp_status": {"type": "boolean", "description": "On a child protection plan"},
    "lac_status": {"type": "boolean", "description": "Looked after"},
    "in_court": {"type": "boolean", "description": "In care proceedings"},
}
_REFUSED = {"422": _resp("Not accepted: 'errors' names each field and what is wrong", _ERROR)}
OPENAPI["paths"].update({
    "/cases": {
        "get": {"summary": "Cases within my reach, by exact reference or by text in the reference or child's name",
                "parameters": [{"name": "reference", "in": "query", "schema": {"type": "string"}},
                               {"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _resp("The cases", {"type": "object", "properties": {
                    "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}}}}),
                    "401": _ERRORS["401"]}},
        "post": {"summary": "Register a case in a unit within my reach",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["reference", "child_name", "unit"], "properties": {
                         **_CASE_FIELDS, "unit": {"type": "string", "description": "The unit's name"}}},
                     "example": {"reference": "CIN-0042", "child_name": "Sam Taylor", "date_of_birth": "2015-06-01",
                                 "unit": "CIN Unit 1", "cp_status": False}}}},
                 "responses": {"201": _resp("Registered", {"$ref": "#/components/schemas/Case"}),
                               "400": _resp("The body is not a JSON object", _ERROR),
                               "403": _resp("Your post cannot register cases, or not in that unit", _ERROR),
                               **_REFUSED, "401": _ERRORS["401"]}}},
    "/cases/{case_id}": {
        "get": {"summary": "A case (the read is recorded)", "parameters": [_CASE_ID],
                "responses": {"200": _resp("The case", {"$ref": "#/components/schemas/Case"}), **_ERRORS}},
        "patch": {"summary": "Change a case's name, dates or legal status (a move of unit is a transfer)",
                  "parameters": [_CASE_ID],
                  "requestBody": {"required": True, "content": {"application/json": {"schema": {
                      "type": "object", "properties": _CASE_FIELDS}, "example": {"cp_status": True}}}},
                  "responses": {"200": _resp("Changed", {"$ref": "#/components/schemas/Case"}),
                                "400": _resp("The body is not a JSON object", _ERROR),
                                "403": _resp("Your post cannot change this case", _ERROR),
                                **_REFUSED, **_ERRORS}}},
})
OPENAPI["components"]["schemas"]["Case"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, **_CASE_FIELDS, "service": {"type": "string"}, "unit": {"type": ["string", "null"]},
    "closed_at": {"type": ["string", "null"], "format": "date-time"}}}


# ---------------------------------------------------------------- the decision record (issue 14 §3)
_QA = {"type": "array", "items": {"type": "object", "required": ["question", "answer"], "properties": {
    "question": {"type": "string"}, "answer": {"type": "string"}}}}

OPENAPI["paths"]["/cases/{case_id}/record"] = {"get": {
    "summary": "The case's decision record: every decision in order, its answers in words, who, when, "
               "any override and its reason, the child's views and the papers it rested on (audited as a read)",
    "parameters": [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": _resp("The record", {"$ref": "#/components/schemas/DecisionRecord"}), **_ERRORS}}}
OPENAPI["components"]["schemas"]["DecisionRecord"] = {
    "type": "object", "required": ["case_id", "case_reference", "decisions"], "properties": {
        "case_id": {"type": "integer"}, "case_reference": {"type": "string"}, "child_name": {"type": "string"},
        "decisions": {"type": "array", "items": {"type": "object", "required": [
            "at", "what", "decided_by", "answers", "child_views", "papers"], "properties": {
            "at": {"type": "string", "format": "date-time"}, "what": {"type": "string"},
            "process": {"type": ["string", "null"]}, "decided_by": {"type": "string"},
            "on_behalf_of": {"type": ["string", "null"]}, "answers": _QA, "child_views": _QA,
            "papers": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "label": {"type": "string"}}}},
            "reason": {"type": ["string", "null"]},
            "override": {"type": ["object", "null"], "properties": {
                "rules": {"type": "array", "items": {"type": "string"}}, "reason": {"type": ["string", "null"]}}}}}}}}


# ---------------------------------------------------------------- lists for client systems (issue 14 §4)
# webforms/people_api.py, instances_api.py and cases_api.py (the audit trail); paging is by keyset.

_BAD_QUERY = {"400": _resp("A query parameter is not accepted: 'errors' names each one and why "
                           "(an unknown parameter is refused, not ignored)", _ERROR)}
_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
     "description": "How many rows a page holds"},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "example": "1042",
     "description": "Where the page starts: the `next_cursor` of the page before (absent for the first page)"},
]
_NEXT = {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page"}
_PERSON_ID = {"name": "person_id", "in": "path", "required": True, "schema": {"type": "integer"}, "example": 1}
_ADMIN_ONLY = {"403": _resp("Only the System administrator reads the people register", _ERROR)}

_PERSON_EXAMPLE = {"id": 7, "username": "csw-cin", "name": "Alex Morgan", "post": "Consultant Social Worker",
                   "service": "CIN", "unit": "CIN Unit 1", "email": "alex.morgan@example.org",
                   "deputy": None, "active": True}
_SUMMARY_EXAMPLE = {"id": 31, "process": "jarp_referral", "version": 2, "case_id": 4,
                    "case_reference": "CIN-0001", "status": "running", "error": None,
                    "started_at": "2026-11-20T10:00:00+00:00", "completed_at": None}
_EVENT_EXAMPLE = {"id": 5120, "at": "2026-11-20T10:05:00+00:00", "who": "Demo Social Worker",
                  "action": "task.completed", "what": "Task completed: Complete JARP referral",
                  "why": None, "instance_id": 31}


def _query(name, schema, description):
    return {"name": name, "in": "query", "schema": schema, "description": description}


OPENAPI["paths"].update({
    "/people": {"get": {
        "summary": "The people register, read-only, by number (System administrator)",
        "description": "Never a password hash, a token, a session or the directory's subject.",
        "parameters": [
            _query("post", {"type": "string"}, "Only people at this post, e.g. Social Worker"),
            _query("unit", {"type": "string"}, "Only people of this unit (its name)"),
            _query("service", {"type": "string"}, "Only people of this service (or agency)"),
            _query("active", {"type": "boolean"}, "true: open accounts only; false: closed ones only"),
            _query("q", {"type": "string", "maxLength": 120},
                   "Text in the name, sign-in name, e-mail or post, as the People page's search"),
            *_PAGING],
        "responses": {
            "200": _resp("A page of people", {"type": "object", "required": ["people", "next_cursor"],
                                              "properties": {"people": {"type": "array", "items": {
                                                  "$ref": "#/components/schemas/Person"}},
                                                  "next_cursor": _NEXT}}),
            **_BAD_QUERY, "401": _ERRORS["401"], **_ADMIN_ONLY}}},
    "/people/{person_id}": {"get": {
        "summary": "One person of the register (System administrator)",
        "parameters": [_PERSON_ID],
        "responses": {"200": _resp("The person", {"$ref": "#/components/schemas/Person"}),
                      **_ADMIN_ONLY, **_ERRORS}}},
    "/cases/{case_id}/audit": {"get": {
        "summary": "The case's audit trail as its page shows it (when, who, what in words, why), "
                   "newest first; audited as a read of the child's record",
        "parameters": [{**_CASE_ID, "example": 1}, *_PAGING],
        "responses": {
            "200": _resp("A page of the trail", {"type": "object",
                                                 "required": ["case_id", "case_reference", "events", "next_cursor"],
                                                 "properties": {
                                                     "case_id": {"type": "integer"},
                                                     "case_reference": {"type": "string"},
                                                     "events": {"type": "array", "items": {
                                                         "$ref": "#/components/schemas/AuditEvent"}},
                                                     "next_cursor": _NEXT}}),
            **_BAD_QUERY, **_ERRORS}}},
})
OPENAPI["paths"]["/instances"]["get"] = {
    "summary": "Process instances of the cases I may open, newest first, by process, status, case and start day",
    "parameters": [
        _query("process", {"type": "string"}, "A process id, e.g. jarp_referral"),
        _query("status", {"enum": ["running", "complete", "error", "suspended", "cancelled"]}, "Only this status"),
        _query("case", {"type": "string"}, "A case: its number or its reference, e.g. CIN-0001"),
        _query("started_from", {"type": "string", "format": "date"},
               "Started on or after this day (Europe/London), YYYY-MM-DD"),
        _query("started_to", {"type": "string", "format": "date"},
               "Started on or before this day (Europe/London), YYYY-MM-DD"),
        *_PAGING],
    "responses": {
        "200": _resp("A page of instances", {"type": "object", "required": ["instances", "next_cursor"],
                                             "properties": {"instances": {"type": "array", "items": {
                                                 "$ref": "#/components/schemas/InstanceSummary"}},
                                                 "next_cursor": _NEXT}}),
        **_BAD_QUERY, "401": _ERRORS["401"]}}
OPENAPI["components"]["schemas"].update({
    "Person": {"type": "object", "additionalProperties": False,
               "required": ["id", "username", "name", "post", "active"], "properties": {
                   "id": {"type": "integer"}, "username": {"type": "string"}, "name": {"type": "string"},
                   "post": {"type": "string"}, "service": {"type": ["string", "null"]},
                   "unit": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
                   "deputy": {"type": ["string", "null"], "description": "The deputy's sign-in name"},
                   "active": {"type": "boolean"}}},
    "InstanceSummary": {"type": "object", "required": ["id", "process", "version", "case_id", "status"],
                        "properties": {
                            "id": {"type": "integer"}, "process": {"type": "string"}, "version": {"type": "integer"},
                            "case_id": {"type": "integer"}, "case_reference": {"type": "string"},
                            "status": {"enum": ["running", "complete", "error", "suspended", "cancelled"]},
                            "error": {"type": ["string", "null"]},
                            "started_at": {"type": "string", "format": "date-time"},
                            "completed_at": {"type": ["string", "null"], "format": "date-time"}}},
    "AuditEvent": {"type": "object", "required": ["id", "at", "who", "action", "what"], "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "who": {"type": "string"},
        "action": {"type": "string", "description": "The event's code, e.g. task.completed"},
        "what": {"type": "string", "description": "What happened, in words, as the case page says it"},
        "why": {"type": ["string", "null"]}, "instance_id": {"type": ["integer", "null"]}}},
})


# ---------------------------------------------------------------- examples (issue 14 §4)
# One example per answer a client gets when all goes well, and per request
# body; tests/integration/test_api_people_instances.py checks each against
# its schema, so they cannot drift from what the API sends.

_TASK_EXAMPLE = {"id": "5f0c3c1e-8d7a-4b8e-9a51-2f1d6c0e9b47", "name": "Complete JARP referral",
                 "element": "complete_referral", "process": "jarp_referral", "instance_id": 31, "case_id": 4,
                 "case_reference": "CIN-0001", "post": "Social Worker", "state": "ready", "priority": None,
                 "due_at": "2026-11-27T17:00:00+00:00", "created_at": "2026-11-20T10:00:00+00:00",
                 "completed_by": None, "completed_at": None, "form": "jarp_referral"}
_INSTANCE_EXAMPLE = {**{k: v for k, v in _SUMMARY_EXAMPLE.items() if k != "case_reference"},
                     "data": {"case": {"reference": "CIN-0001"}}, "tasks": [_TASK_EXAMPLE]}
_CASE_EXAMPLE = {"id": 4, "reference": "CIN-0001", "child_name": "Amira Khan", "date_of_birth": "2014-03-02",
                 "expected_delivery_date": None, "service": "CIN", "unit": "CIN Unit 1", "cp_status": False,
                 "lac_status": False, "in_court": False, "closed_at": None}
_DEFINITION_EXAMPLE = {"process": "jarp_referral", "name": "JARP referral", "current_version": 2, "draft": None,
                       "versions": [{"version": 2, "deployed_by": "Demo Process Owner",
                                     "deployed_at": "2026-11-02T09:00:00+00:00", "current": True,
                                     "running_instances": 12, "instances_by_status": {"running": 12, "complete": 40}}]}
_MOVE_EXAMPLE = {"instance_id": 31, "case_id": 4, "case_reference": "CIN-0001", "from_version": 1, "to_version": 2,
                 "can_move": True, "reason": None, "open_steps": ["Complete JARP referral"]}
_HASH = "3b1f9c0e" * 8

_EXAMPLES = {
    ("/tasks", "get", "200"): {"tasks": [_TASK_EXAMPLE]},
    ("/tasks/{task_id}", "get", "200"): {**_TASK_EXAMPLE, "form_schema": {"type": "object", "properties": {
        "duration_weeks": {"type": "integer", "title": "For how many weeks?"}}}, "data": {"duration_weeks": 8}},
    ("/tasks/{task_id}/complete", "post", "200"): {**_INSTANCE_EXAMPLE, "tasks": [
        {**_TASK_EXAMPLE, "state": "completed", "completed_by": "Demo Social Worker",
         "completed_at": "2026-11-20T10:30:00+00:00"}]},
    ("/instances", "post", "201"): _INSTANCE_EXAMPLE,
    ("/instances", "get", "200"): {"instances": [_SUMMARY_EXAMPLE], "next_cursor": "31"},
    ("/instances/{instance_id}", "get", "200"): _INSTANCE_EXAMPLE,
    ("/definitions", "get", "200"): {"definitions": [_DEFINITION_EXAMPLE]},
    ("/definitions/{process}/draft", "get", "200"): {"process": "jarp_referral", "xml": "<?xml version=\"1.0\"?>…",
                                                     "base": _HASH, "source": "version 2"},
    ("/definitions/{process}/drafts", "post", "201"): {"process": "jarp_referral", "hash": _HASH},
    ("/definitions/{process}/validation", "post", "200"): {
        "valid": False, "problems": [{"element": "complete_referral", "message": "The task has no form."}],
        "warnings": []},
    ("/definitions/{process}/deploy", "post", "201"): {"deployed": [
        {"process": "jarp_referral", "version": 3, "current": True}]},
    ("/definitions/{process}/migrations", "post", "200"): {"process": "jarp_referral", "to_version": 3,
                                                           "dry_run": True, "instances": [_MOVE_EXAMPLE]},
    ("/cases", "get", "200"): {"cases": [_CASE_EXAMPLE]},
    ("/cases", "post", "201"): _CASE_EXAMPLE,
    ("/cases/{case_id}", "get", "200"): _CASE_EXAMPLE,
    ("/cases/{case_id}", "patch", "200"): {**_CASE_EXAMPLE, "cp_status": True},
    ("/cases/{case_id}/record", "get", "200"): {
        "case_id": 4, "case_reference": "CIN-0001", "child_name": "Amira Khan", "decisions": [{
            "at": "2026-11-20T10:30:00+00:00", "what": "Complete JARP referral", "process": "JARP referral",
            "decided_by": "Demo Social Worker", "on_behalf_of": None,
            "answers": [{"question": "For how many weeks?", "answer": "8"}],
            "child_views": [{"question": "What does the child want?", "answer": "To stay together."}],
            "papers": [], "reason": None, "override": None}]},
    ("/people", "get", "200"): {"people": [_PERSON_EXAMPLE], "next_cursor": None},
    ("/people/{person_id}", "get", "200"): _PERSON_EXAMPLE,
    ("/cases/{case_id}/audit", "get", "200"): {"case_id": 4, "case_reference": "CIN-0001",
                                               "events": [_EVENT_EXAMPLE], "next_cursor": "5120"},
}
_BODY_EXAMPLES = {
    ("/tasks/{task_id}/complete", "post"): {"data": {"duration_weeks": 8}},
    ("/instances", "post"): {"process": "jarp_referral", "case_id": 4},
    ("/definitions/{process}/drafts", "post"): {"xml": "<?xml version=\"1.0\"?>…", "base": _HASH},
    ("/definitions/{process}/validation", "post"): {"xml": "<?xml version=\"1.0\"?>…"},
    ("/definitions/{process}/deploy", "post"): {"base": _HASH},
    ("/definitions/{process}/migrations", "post"): {"instances": [31]},
}
_ERROR_EXAMPLE = {"error": "Check the query: status must be one of: cancelled, complete, error, running, "
                           "suspended.", "errors": [{"field": "status", "message": "status must be one of: "
                                                     "cancelled, complete, error, running, suspended"}]}

for (_path, _method, _status), _value in _EXAMPLES.items():
    OPENAPI["paths"][_path][_method]["responses"][_status]["content"]["application/json"]["example"] = _value
for (_path, _method), _value in _BODY_EXAMPLES.items():
    OPENAPI["paths"][_path][_method]["requestBody"]["content"]["application/json"].setdefault("example", _value)
OPENAPI["components"]["schemas"]["Error"]["example"] = _ERROR_EXAMPLE
