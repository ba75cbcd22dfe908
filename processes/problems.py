"""A rule's problem tied to the question it is about.

A task's rules return plain sentences (list[str]); a sentence about one
answer is an `about(field, ...)`: still a str, so audit trails, overrides and
older callers read it as before, but the form links it to that question
(issue 15 item 2: "rule problems about a field are linked to it").
"""


class Problem(str):
    """A sentence, with the name of the question it is about (or None)."""
    field: str | None = None

    def __new__(cls, message: str, field: str | None = None):
        problem = super().__new__(cls, message)
        problem.field = field
        return problem

    def __reduce__(self):  # pickled (the workflow cache) as what it is
        return (Problem, (str(self), self.field))


def about(field: str, message: str) -> Problem:
    return Problem(message, field)


def field_of(problem) -> str | None:
    """The question a rule's problem is about, if it says."""
    return getattr(problem, "field", None)
