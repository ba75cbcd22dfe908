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
