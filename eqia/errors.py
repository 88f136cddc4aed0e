"""What can go wrong with a change a person asks for, each with the page it earns.

The workflow and the sections raise these; one error handler (``eqia.shell``)
rolls the transaction back and shows the message on a GOV.UK error page with
the status the kind of error calls for. A view catches one itself only when it
shows something better in place, such as the other person's answers beside a
form that could not be saved.
"""


class WorkflowError(Exception):
    """A change that cannot be made; the message is for the person who tried."""

    status = 409
    title = "This change has not been made"


class NotAllowed(WorkflowError):
    status = 403
    title = "You cannot do this"


class IllegalMove(WorkflowError):
    """The EqIA is not in a state that allows the change (someone may have moved it)."""


class Incomplete(WorkflowError):
    title = "There are sections to complete"

    def __init__(self, missing: list):
        super().__init__("There are sections to complete before you can submit")
        self.missing = missing


class Conflict(WorkflowError):
    """Someone else saved this part since the person loaded it."""

    title = "Someone else has changed this EqIA"

    def __init__(self, message: str = "Someone else saved changes at the same moment."):
        super().__init__(message)


class UnknownSnapshot(Exception):
    """A revision was frozen in a form this version of the service cannot read."""

    status = 409
    title = "This revision cannot be shown"


class FeedError(Exception):
    """A data feed request refused: the feed answers it with a JSON error body
    (``{"error": {"status", "code", "message", "parameter"?}}``) and this status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        parameter: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.parameter, self.headers = parameter, headers or {}

    def body(self) -> dict:
        error = {"status": self.status, "code": self.code, "message": self.message}
        if self.parameter is not None:
            error["parameter"] = self.parameter
        return {"error": error}
