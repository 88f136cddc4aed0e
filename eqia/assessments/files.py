"""Evidence files attached to the evidence section.

Files are received by ``eqia.uploads`` and their bytes kept in the database
(``EvidenceFile.keep``); a file is only ever sent back as an attachment, streamed a chunk
at a time. The files a draft holds may add up to ``EVIDENCE_LIMIT`` (by default 100 MB);
files kept only for frozen revisions do not count.

Once a revision is submitted, the files it names are that revision's: removing one
from a later draft hides it from the draft but keeps its bytes, which stay
downloadable with the same hash. Each file added or removed is an audit event with
its name and SHA-256.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from sqlalchemy import select

from eqia import sections
from eqia.assessments import bp
from eqia.downloads import attachment
from eqia.errors import IllegalMove
from eqia.extensions import db
from eqia.forms import ConfirmForm, Form, Required
from eqia.models import Assessment, Decision, EventKind, EvidenceFile, User
from eqia.models.audit import record
from eqia.permissions import SIGNED_IN, Part, allow, assessment_access, can_read
from eqia.sections import saving
from eqia.shell import error_page
from eqia.timefmt import utcnow
from eqia.uploads import ACCEPT, SELECT_A_FILE, Refused, check_room, file_size, receive

CONFLICT = "Someone else changed this EqIA at the same moment. Try again."
MISSING = (
    "The contents of this file were not found when the service moved its files into its "
    "database. Ask the person who uploaded it to upload it again."
)


class UploadForm(Form):
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        validators=[Required(SELECT_A_FILE)],
        description="PDF, Word, Excel, CSV, OpenDocument, PNG or JPEG, smaller than 20MB",
    )


def _return_args() -> dict:
    return {"return": "check"} if request.args.get("return") == "check" else {}


def _files_url(assessment: Assessment) -> str:
    return url_for("assessments.files", ref=assessment.reference, **_return_args())


def _context(assessment: Assessment) -> sections.Context:
    return sections.Context.load(assessment)


def _continue_url(assessment: Assessment) -> str:
    if request.args.get("return") == "check":
        return url_for("assessments.check", ref=assessment.reference)
    ctx = _context(assessment)
    page = sections.find_page(assessment, ctx, "evidence/files")
    if page is None:  # not on this EqIA's route (screening only)
        return url_for("assessments.task_list", ref=assessment.reference)
    following = sections.next_page(assessment, ctx, page)
    if following is None:
        return url_for("assessments.check", ref=assessment.reference)
    return following.url(assessment)


def _listing(assessment: Assessment) -> list[dict]:
    ids = {f.uploaded_by_id for f in assessment.files}
    query = select(User).where(User.id.in_(ids))
    people = {u.id: u for u in db.session.scalars(query)} if ids else {}
    return [
        {
            "id": f.id,
            "name": f.original_name,
            "size": file_size(f.size),
            "uploaded_by": people[f.uploaded_by_id].name if f.uploaded_by_id in people else "",
            "uploaded_at": f.uploaded_at,
            "download_url": url_for(
                "assessments.download_file", ref=assessment.reference, file_id=f.id
            ),
            "remove_url": url_for(
                "assessments.remove_file",
                ref=assessment.reference,
                file_id=f.id,
                **_return_args(),
            ),
        }
        for f in assessment.files
    ]


def _named_by_a_revision(
    assessment: Assessment, evidence: EvidenceFile, signed_off_only: bool = False
) -> bool:
    """Whether a frozen revision (or a signed-off one) lists this file (by id, or by name and
    hash for revisions frozen before files were named by id)."""
    for revision in assessment.revisions:
        if signed_off_only and not _signed_off(revision):
            continue
        section = revision.read().section(sections.EVIDENCE.slug)
        for frozen in (section.files or []) if section else []:
            if frozen.id == evidence.id or (
                frozen.id is None
                and (frozen.name, frozen.sha256) == (evidence.original_name, evidence.sha256)
            ):
                return True
    return False


def _signed_off(revision) -> bool:
    decision = Decision.on(revision)
    return bool(decision and decision.approved)


def _find_file(assessment: Assessment, file_id: int) -> EvidenceFile:
    """A file of the draft, for changing it."""
    evidence = next((f for f in assessment.files if f.id == file_id), None)
    if evidence is None:
        abort(404)
    return evidence


def _readable_file(assessment: Assessment, file_id: int) -> EvidenceFile:
    """A file the person may download: one of the draft's, or one a frozen revision names,
    for those who may read the answers; only one a signed-off revision names, for others."""
    evidence = next((f for f in assessment.evidence if f.id == file_id), None)
    if evidence is None:
        abort(404)
    if can_read(current_user, assessment, Part.FILES):
        if evidence.removed_at is None or _named_by_a_revision(assessment, evidence):
            return evidence
        abort(404)
    if _named_by_a_revision(assessment, evidence, signed_off_only=True):
        return evidence
    abort(403)


def _describe(evidence: EvidenceFile) -> str:
    return f"{evidence.original_name} (SHA-256 {evidence.sha256})"


def _add(assessment: Assessment, upload) -> str:
    """Keep an upload as a file of the draft, in one transaction with its audit event;
    its name. Refused, or IllegalMove, if it cannot be kept (nothing is, then)."""
    uploader = f"for {assessment.reference} from user {current_user.id}"
    with receive(upload, uploader) as received:
        evidence = EvidenceFile(
            original_name=received.original_name,
            content_type=received.content_type,
            size=received.size,
            sha256=received.sha256,
            uploaded_by_id=current_user.id,
            uploaded_at=utcnow(),
        )
        assessment.evidence.append(evidence)
        record(
            EventKind.FILE_ADDED,
            current_user,
            assessment.id,
            revision=assessment.revision,
            note=_describe(evidence),
        )
        saving.touch(assessment, current_user, sections.EVIDENCE.title, _context(assessment))
        check_room(assessment, received.size)
        evidence.keep(received.file)
        db.session.commit()
    return received.original_name


@bp.route("/<ref>/evidence/files", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def files(assessment: Assessment):
    form = UploadForm()
    if form.validate_on_submit():
        try:
            name = _add(assessment, form.file.data)
        except (IllegalMove, Refused) as refusal:
            db.session.rollback()
            form.file.errors.append(str(refusal) if isinstance(refusal, Refused) else CONFLICT)
        else:
            flash(f"{name} has been uploaded.", "success")
            return redirect(_files_url(assessment))
    return render_template(
        "assessments/files.html",
        assessment=assessment,
        section=sections.EVIDENCE,
        form=form,
        files=_listing(assessment),
        used=file_size(sum(f.size for f in assessment.files)),
        limit=file_size(current_app.config["EVIDENCE_LIMIT"]),
        continue_url=_continue_url(assessment),
        accept=ACCEPT,
    )


@bp.route("/<ref>/evidence/files/<int:file_id>")
@allow(SIGNED_IN)
@assessment_access("view")
def download_file(assessment: Assessment, file_id: int):
    evidence = _readable_file(assessment, file_id)
    if not evidence.has_content():
        return error_page(404, "This file cannot be downloaded", MISSING)
    response = Response(stream_with_context(evidence.content()), mimetype=evidence.content_type)
    response.content_length = evidence.size
    response.set_etag(evidence.sha256)
    response.headers["Content-Disposition"] = attachment(evidence.original_name, "evidence")
    response.headers["Cache-Control"] = "private, no-store"
    return response.make_conditional(request)


@bp.route("/<ref>/evidence/files/<int:file_id>/remove", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def remove_file(assessment: Assessment, file_id: int):
    evidence = _find_file(assessment, file_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = evidence.original_name
        record(
            EventKind.FILE_REMOVED,
            current_user,
            assessment.id,
            revision=assessment.revision,
            note=_describe(evidence),
        )
        # A file a frozen revision names is that revision's: it leaves the draft only.
        # Otherwise its row goes, and its bytes with it (ON DELETE CASCADE).
        if _named_by_a_revision(assessment, evidence):
            evidence.removed_at, evidence.removed_by_id = utcnow(), current_user.id
        else:
            assessment.evidence.remove(evidence)
        saving.touch(assessment, current_user, sections.EVIDENCE.title, _context(assessment))
        db.session.commit()
        flash(f"{name} has been removed.", "success")
        return redirect(_files_url(assessment))
    return render_template(
        "assessments/file_remove.html",
        assessment=assessment,
        section=sections.EVIDENCE,
        evidence=evidence,
        form=form,
        files_url=_files_url(assessment),
    )
