"""Importing and exporting the action plan (CSV and XLSX), and the template to fill in.

An upload is scanned by clamd (when configured, see ``eqia.scanning``), then kept in the
database (``PlanImportUpload``) under a random token while the admin checks the preview,
so that whichever instance of the service the confirmation reaches has it; confirming
reads that same file again, checks it against the plan as it is then, and imports it
whole or not at all, deleting it in the same transaction. A cancelled upload is deleted,
and any left behind are deleted after ``KEEP_UPLOADS``. The token is bound to the admin's
session.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import timedelta

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from eqia import scanning
from eqia.admin.audit import QUIET
from eqia.downloads import CSV_TYPE, download
from eqia.extensions import db
from eqia.forms import ConfirmForm
from eqia.models import EventKind, PlanImportUpload
from eqia.models.audit import record
from eqia.permissions import ADMIN, PLAN_EXPORT, allow
from eqia.plan import bp, importer, sample, spreadsheet
from eqia.plan.forms import ConfirmImportForm, ImportForm
from eqia.security_log import security_event
from eqia.timefmt import uk_today, utcnow
from eqia.uploads import clean_name

KEEP_UPLOADS = timedelta(hours=2)
# A file can have tens of thousands of problems (every cell of every row); the page
# lists this many, says how many more there are, and the file still imports nothing.
PROBLEMS_SHOWN = 1_000
TOKEN = re.compile(r"^[0-9a-f]{32}$")
SESSION_KEY = "plan_import"
TOO_BIG = "The selected file must be smaller than 5MB"
EMPTY = "The selected file is empty"
GONE = "The file you checked is no longer here (files are kept for 2 hours). Upload it again."
PLAN_CHANGED = (
    "The action plan has changed since you checked this file. Check the changes again "
    "before you import it."
)


def _sweep() -> None:
    """Delete uploads older than KEEP_UPLOADS (an admin who never confirmed or cancelled)."""
    db.session.execute(
        delete(PlanImportUpload).where(PlanImportUpload.created_at < utcnow() - KEEP_UPLOADS)
    )


def _discard(token: str) -> None:
    """Delete an upload, in the session's transaction."""
    db.session.execute(delete(PlanImportUpload).where(PlanImportUpload.token == token))


def _read_upload(upload) -> bytes:
    """The upload's bytes; ValueError (GOV.UK words) if it is empty or too big."""
    try:
        data = upload.stream.read(spreadsheet.MAX_FILE_BYTES + 1)
    finally:
        upload.close()
    if len(data) > spreadsheet.MAX_FILE_BYTES:
        raise ValueError(TOO_BIG)
    if not data:
        raise ValueError(EMPTY)
    return data


def _pending(token: str) -> PlanImportUpload | None:
    """The upload this session is checking, named by the token in the URL (404 if the
    session is checking no such upload); None if it has gone since."""
    if not TOKEN.match(token) or session.get(SESSION_KEY) != token:
        abort(404)
    return db.session.scalar(
        select(PlanImportUpload).where(
            PlanImportUpload.token == token, PlanImportUpload.user_id == current_user.id
        )
    )


def _preview(pending: PlanImportUpload) -> importer.Preview:
    """The file checked against the plan as it is now."""
    try:
        sheet = spreadsheet.read(pending.data, pending.kind)
    except spreadsheet.Unreadable as error:
        return importer.Preview(problems=[importer.Problem(None, None, str(error))])
    return importer.check(sheet)


def _layout() -> list[tuple[str, str]]:
    return [(name, spreadsheet.COLUMN_GUIDANCE[name]) for name in spreadsheet.COLUMNS]


@bp.route("/import", methods=["GET", "POST"])
@allow(ADMIN)
def import_plan():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        name = clean_name(upload.filename) or "plan"
        try:
            data = _read_upload(upload)
            kind = spreadsheet.kind_of(data, name)
            scanning.check(io.BytesIO(data), f"plan import {name!r} from user {current_user.id}")
        except (ValueError, spreadsheet.Unreadable) as refusal:
            form.file.errors.append(str(refusal))
        except scanning.ScanError as refusal:
            form.file.errors.append(refusal.message)
        else:
            _sweep()
            previous = session.get(SESSION_KEY)
            if isinstance(previous, str):
                _discard(previous)
            token = secrets.token_hex(16)
            db.session.add(
                PlanImportUpload(
                    token=token, user_id=current_user.id, kind=kind, name=name, data=data
                )
            )
            db.session.commit()
            session[SESSION_KEY] = token
            return redirect(url_for("plan.preview_import", token=token))
    return render_template("plan/import.html", form=form, layout=_layout())


@bp.route("/import/<token>", methods=["GET", "POST"])
@allow(ADMIN)
def preview_import(token: str):
    pending = _pending(token)
    if pending is None:
        session.pop(SESSION_KEY, None)
        flash(GONE)
        return redirect(url_for("plan.import_plan"))
    form = ConfirmImportForm()
    preview = _preview(pending)
    changed_meanwhile = False
    if form.validate_on_submit() and not preview.problems:
        if form.fingerprint.data != preview.fingerprint:
            changed_meanwhile = True
        else:
            try:
                db.session.info[QUIET] = True  # the import is one event: its summary
                importer.apply(preview, current_user)
                note = f"{pending.name}: {_summary(preview)}"
                record(EventKind.PLAN_IMPORTED, current_user, note=note)
                _discard(token)
                db.session.commit()
            except (IntegrityError, StaleDataError):
                db.session.rollback()
                changed_meanwhile = True
                preview = _preview(pending)
            else:
                session.pop(SESSION_KEY, None)
                flash(_summary(preview), "success")
                return redirect(url_for("plan.index"))
    form.fingerprint.data = preview.fingerprint
    return render_template(
        "plan/import_preview.html",
        form=form,
        preview=preview,
        shown=preview.problems[:PROBLEMS_SHOWN],
        name=pending.name,
        token=token,
        changed_meanwhile=changed_meanwhile,
        upload_form=ImportForm(formdata=None),
    )


@bp.route("/import/<token>/cancel", methods=["POST"])
@allow(ADMIN)
def cancel_import(token: str):
    _pending(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _discard(token)
    db.session.commit()
    session.pop(SESSION_KEY, None)
    flash("The import has been cancelled. Nothing was changed.")
    return redirect(url_for("plan.import_plan"))


def _summary(preview: importer.Preview) -> str:
    def actions(n: int) -> str:
        return f"{n} action{'s' if n != 1 else ''}"

    parts = [
        f"{actions(len(preview.added))} added",
        f"{len(preview.changed)} changed",
        f"{len(preview.unchanged)} unchanged",
    ]
    text = "The action plan has been imported: " + ", ".join(parts)
    if preview.retire:
        text += f"; {actions(len(preview.retire))} of sample data retired"
    if preview.objectives:
        n = len(preview.objectives)
        text += f"; {n} objective{'s' if n != 1 else ''} updated"
    return text + "."


def _download(content: bytes, kind: str, stem: str) -> Response:
    mimetype = CSV_TYPE if kind == "csv" else spreadsheet.XLSX_TYPE
    return download(content, mimetype, f"{stem}.{kind}")


def _write(rows: list[list], kind: str) -> bytes:
    return spreadsheet.write_csv(rows) if kind == "csv" else spreadsheet.write_xlsx(rows)


@bp.route("/export.<any(csv, xlsx):kind>")
@allow(PLAN_EXPORT)
def export(kind: str):
    rows = importer.export_rows()
    stem = f"action-plan-{uk_today().isoformat()}"
    security_event("data.exported", what="action-plan", file=f"{stem}.{kind}")
    return _download(_write(rows, kind), kind, stem)


@bp.route("/template.<any(csv, xlsx):kind>")
@allow(ADMIN)
def template(kind: str):
    return _download(_write(sample.template_rows(), kind), kind, "action-plan-template")
