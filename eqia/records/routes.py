"""The auditor's records: signed PDFs, the verify page, the register and exports."""

from flask import abort, render_template, request
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from werkzeug.exceptions import RequestEntityTooLarge

from eqia.downloads import download
from eqia.forms import Form, Required
from eqia.models import Decision
from eqia.permissions import SIGNED_IN, allow, load_assessment, require_part, revision_part
from eqia.records import bp, documents, sealing
from eqia.security_log import security_event
from eqia.shell import error_page

# The verify form may carry a whole PDF of up to 25MB, plus the form around it.
VERIFY_REQUEST_LIMIT = documents.MAX_PDF_BYTES + 1024 * 1024


def _send(document: sealing.Document):
    """A sealed record's ETag is its SHA-256: a client that has it gets 304."""
    response = download(document.content, "application/pdf", document.filename)
    if document.signed:
        response.set_etag(document.sha256)
        response.make_conditional(request)
    return response


@bp.route("/<ref>.pdf")
@allow(SIGNED_IN)
def record_pdf(ref: str):
    """The record in force: the signed-off revision, signed; otherwise the current answers,
    watermarked "Not signed off" and unsigned."""
    return _send(sealing.in_force(load_assessment(ref, "view", answers=False)))


@bp.route("/<ref>/revisions/<int:number>.pdf")
@allow(SIGNED_IN)
def revision_pdf(ref: str, number: int):
    assessment = load_assessment(ref, "view")
    revision = next((r for r in assessment.revisions if r.number == number), None)
    if revision is None:
        abort(404)
    decision = Decision.on(revision)
    require_part(assessment, revision_part(bool(decision and decision.approved)))
    return _send(sealing.record_pdf(assessment, revision))


class VerifyForm(Form):
    file = FileField(
        "Upload a PDF record",
        widget=GovFileInput(),
        validators=[Required("Select a PDF")],
        description="The record as you downloaded it from this service: a PDF smaller than 25MB",
    )


@bp.url_value_preprocessor
def _verify_limit(endpoint, _values):
    # Runs before any before_request hook reads the form, so it sets the limit in time.
    if endpoint == "records.verify":
        request.max_content_length = VERIFY_REQUEST_LIMIT


@bp.route("/verify", methods=["GET", "POST"])
@allow(SIGNED_IN)
def verify():
    form = VerifyForm()
    verdict = None
    if form.validate_on_submit():
        verdict = documents.check_upload(form.file.data.stream)
        security_event(
            "record.verified",
            outcome=verdict.outcome,
            genuine=verdict.valid,
            sha256=verdict.sha256,
        )
        if verdict.upload_problem:
            form.file.errors.append(verdict.message)
            verdict = None
    return render_template("records/verify.html", form=form, verdict=verdict)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if request.endpoint != "records.verify":
        return error_page(413)
    form = VerifyForm(formdata=None)
    form.file.errors = [documents.UPLOAD_PROBLEMS[documents.Outcome.TOO_BIG]]
    return render_template("records/verify.html", form=form, verdict=None), 413
