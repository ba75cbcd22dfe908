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
                          "403": _resp("Your post cannot start this process", _ERROR), **_ERRORS}}},
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
