"""Starting, completing, checking and submitting an EqIA."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from eqia import due_regard, pending, publishing, sections, workflow
from eqia.assessments import bp, yours
from eqia.assessments.forms import (
    AddAnotherForm,
    StartForm,
    WithdrawForm,
    submit_form,
)
from eqia.errors import Conflict, Incomplete
from eqia.extensions import db
from eqia.forms import ConfirmForm, validate_draft
from eqia.models import (
    Assessment,
    AssessmentAction,
    Decision,
    DecisionKind,
    Status,
    User,
)
from eqia.pagination import paginate
from eqia.permissions import (
    ADMIN,
    SIGN_OFF,
    SIGNED_IN,
    Part,
    allow,
    assessment_access,
    can_edit,
    can_read_drafts,
    can_start_review,
    may,
    require_part,
    revision_part,
)
from eqia.plan.links import plan_action_choices
from eqia.questions import ActionForm
from eqia.reviews import queue
from eqia.sections import saving
from eqia.timefmt import uk_today

YOURS_PER_PAGE = 25


@bp.app_template_global()
def layout(form, conditions: dict) -> list[tuple]:
    return sections.field_layout(form, conditions)


def _context(assessment: Assessment) -> sections.Context:
    return sections.Context.load(assessment)


@bp.route("/")
@allow(SIGNED_IN)
def your_eqias():
    """Every EqIA they lead or co-author, most recently saved first; or those a home page
    panel counted (``?show=returned``, ``?show=review-due``)."""
    shown = request.args.get("show", "")
    show = yours.SHOWS.get(shown)
    query = select(Assessment).where(yours.led_or_co_authored(current_user))
    if show is None:
        shown, query = "", query.order_by(Assessment.updated_at.desc(), Assessment.id.desc())
    else:
        query = query.where(show.condition(uk_today())).order_by(*show.order)
    return render_template(
        "assessments/your_eqias.html",
        page=paginate(query, YOURS_PER_PAGE),
        show=show,
        shown=shown,
    )


@bp.route("/start", methods=["GET", "POST"])
@allow(SIGNED_IN)
def start():
    form = StartForm()
    if form.validate_on_submit():
        assessment = workflow.start(form.title.data, current_user)
        db.session.commit()
        flash(
            f"{assessment.reference} has been started. Your answers are saved as you go.", "success"
        )
        return redirect(url_for("assessments.task_list", ref=assessment.reference))
    return render_template("assessments/start.html", form=form)


@bp.route("/<ref>")
@allow(SIGNED_IN)
@assessment_access("view")
def view(assessment: Assessment):
    approved = assessment.approved_revision
    if can_read_drafts(current_user, assessment) or approved is None:
        snapshot = sections.live(assessment, _context(assessment))
    else:
        snapshot = approved.read()  # a review is under way: others read the record in force
    return render_template(
        "assessments/view.html",
        assessment=assessment,
        snapshot=snapshot,
        editable=can_edit(current_user, assessment),
        approval=Decision.on(approved) if approved else None,
        under_review=approved is not None and assessment.status is not Status.APPROVED,
        can_start_review=can_start_review(current_user, assessment),
        reassign=queue.reassign_form(assessment)
        if may(current_user, ADMIN) and assessment.status is Status.SUBMITTED
        else None,
        publication=publishing.Publication.of(assessment)
        if may(current_user, SIGN_OFF | ADMIN)
        else None,
    )


def _returned(assessment: Assessment) -> Decision | None:
    """The decision that returned the EqIA, while the lead is responding to it."""
    if assessment.status is not Status.RETURNED:
        return None
    return Decision.latest(assessment.id, DecisionKind.RETURNED)


@bp.route("/<ref>/tasks")
@allow(SIGNED_IN)
@assessment_access("edit")
def task_list(assessment: Assessment):
    ctx = _context(assessment)
    return render_template(
        "assessments/task_list.html",
        assessment=assessment,
        progress=sections.progress(assessment, ctx),
        returned=_returned(assessment),
    )


def _after_save_url(assessment: Assessment, ctx, page: sections.Page) -> str:
    if "save_later" in request.form:
        return url_for("assessments.task_list", ref=assessment.reference)
    if request.args.get("return") == "check":
        return url_for("assessments.check", ref=assessment.reference)
    following = sections.next_page(assessment, ctx, page)
    if following is None:
        return url_for("assessments.check", ref=assessment.reference)
    return following.url(assessment)


@bp.route("/<ref>/questions/<path:key>", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def page(assessment: Assessment, key: str):
    ctx = _context(assessment)
    page = sections.find_page(assessment, ctx, key)
    if page is None or not page.is_question:
        abort(404)
    section = page.section
    conflict = None
    restored = None if request.method == "POST" else pending.take(current_user, request.path)
    if request.method == "POST":
        form = section.form(page, assessment, ctx, formdata=request.form)
        draft = "save_later" in request.form
        if validate_draft(form) if draft else form.validate():
            try:
                saving.save(section, page, assessment, form, current_user, ctx)
                saving.touch(assessment, current_user, section.title, ctx)
                db.session.commit()
            except Conflict:
                db.session.rollback()
                conflict = _current_answers(assessment, page)
                form.set_version(section.form(page, assessment, ctx).version.data)
            else:
                if draft:
                    flash(
                        "Your answers have been saved. You can come back to them at any time.",
                        "success",
                    )
                return redirect(_after_save_url(assessment, ctx, page))
    else:
        # Answers kept after the session ended are shown for the person to check and save.
        form = section.form(page, assessment, ctx, formdata=restored)
    return render_template(
        "assessments/page.html",
        assessment=assessment,
        page=page,
        section=section,
        form=form,
        conflict=conflict,
        restored=restored is not None,
        conditions=section.field_conditions(ctx),
        returned=_returned(assessment),
    )


def _current_answers(assessment: Assessment, page: sections.Page) -> list:
    """What the other person saved on this page, to show beside what this person typed."""
    db.session.refresh(assessment)
    return sections.page_rows(assessment, _context(assessment), page)


def _reasons_last_time(assessment: Assessment) -> dict[str, str]:
    """The reasons the lead gave for going past the checks when last submitting (a returned
    EqIA), to start from again."""
    if assessment.status is not Status.RETURNED:
        return {}
    frozen = workflow.latest_revision(assessment).read().due_regard
    return {c.code: c.reason for c in frozen.warnings} if frozen else {}


@bp.route("/<ref>/check", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def check(assessment: Assessment):
    ctx = _context(assessment)
    progress = sections.progress(assessment, ctx)
    snapshot = sections.live(assessment, ctx)
    checks = due_regard.run(snapshot, due_regard.DueRegardPolicy.load(), uk_today())
    form = submit_form([c for c in checks if c.warned and not c.blocking])
    if not form.is_submitted():
        form.reasons_given(_reasons_last_time(assessment))
    form.super_user_id.choices = [SelectChoice("", "Any EqIA super user")] + [
        SelectChoice(u.id, f"{u.name}, {u.job_title}") for u in workflow.reviewers(assessment)
    ]
    if form.validate_on_submit():
        chosen = db.session.get(User, form.super_user_id.data) if form.super_user_id.data else None
        message = form.message.data or ""
        try:
            workflow.submit(assessment, current_user, progress, chosen, message, form.reasons())
            db.session.commit()
        except (Incomplete, due_regard.ChecksNotAnswered):
            db.session.rollback()  # the page lists what is left to do
        else:
            return redirect(url_for("assessments.submitted", ref=assessment.reference))
    return render_template(
        "assessments/check.html",
        assessment=assessment,
        progress=progress,
        snapshot=snapshot,
        checks=checks,
        check_sections=due_regard.SECTIONS,
        change_urls=sections.change_urls(assessment, ctx),
        form=form,
    )


@bp.route("/<ref>/submitted")
@allow(SIGNED_IN)
@assessment_access("view")
def submitted(assessment: Assessment):
    require_part(assessment, Part.ANSWERS)
    return render_template("assessments/submitted.html", assessment=assessment)


@bp.route("/<ref>/actions", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def actions(assessment: Assessment):
    ctx = _context(assessment)
    form = AddAnotherForm()
    needs_action = sections.IMPACTS.negative(assessment)
    if form.validate_on_submit():
        if form.add_another.data == "yes":
            return redirect(url_for("assessments.edit_action", ref=assessment.reference))
        if needs_action and not assessment.actions:
            form.add_another.errors.append(
                "Add at least one action, because you found a negative impact"
            )
        else:
            saving.finish_actions(assessment, current_user)
            saving.touch(assessment, current_user, sections.ACTIONS.title, ctx)
            db.session.commit()
            page = sections.ACTIONS.pages(assessment, ctx)[0]
            return redirect(_after_save_url(assessment, ctx, page))
    return render_template(
        "assessments/actions.html",
        assessment=assessment,
        form=form,
        actions=assessment.actions,
        needs_action=needs_action,
    )


def _action_form(assessment: Assessment, ctx, action=None, formdata=None):
    form = ActionForm(formdata=formdata, obj=action)
    if not (action and action.carried_from):
        del form.progress, form.progress_note
    chosen = {c.id: c for c in action.characteristics} if action else {}
    offered = {c.id: c for c in ctx.characteristics} | chosen  # retired ones stay on the action
    form.characteristics.choices = [
        SelectChoice(c.id, c.name) for c in sorted(offered.values(), key=lambda c: c.position)
    ]
    form.plan_action_id.choices = plan_action_choices(action.plan_action_id if action else None)
    if formdata is None:
        form.characteristics.data = list(chosen)
        form.set_version(action.version if action else 0)
    return form


def _find_action(assessment: Assessment, action_id: int) -> AssessmentAction:
    action = next((a for a in assessment.actions if a.id == action_id), None)
    if action is None:
        abort(404)
    return action


@bp.route("/<ref>/actions/new", methods=["GET", "POST"], defaults={"action_id": None})
@bp.route("/<ref>/actions/<int:action_id>", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def edit_action(assessment: Assessment, action_id: int | None):
    ctx = _context(assessment)
    action = _find_action(assessment, action_id) if action_id else AssessmentAction()
    form = _action_form(
        assessment,
        ctx,
        action if action_id else None,
        request.form if request.method == "POST" else None,
    )
    conflict = False
    if form.validate_on_submit():
        try:
            saving.save_action(assessment, action, form, current_user, ctx)
            saving.touch(assessment, current_user, sections.ACTIONS.title, ctx)
            db.session.commit()
        except Conflict:
            db.session.rollback()
            conflict = True
            if action_id:
                db.session.refresh(action)
                form.set_version(action.version)
        else:
            flash("The action has been saved.", "success")
            target = (
                "assessments.check"
                if request.args.get("return") == "check"
                else ("assessments.actions")
            )
            return redirect(url_for(target, ref=assessment.reference))
    return render_template(
        "assessments/action_form.html",
        assessment=assessment,
        form=form,
        action=action,
        conflict=conflict,
    )


@bp.route("/<ref>/actions/<int:action_id>/remove", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def remove_action(assessment: Assessment, action_id: int):
    action = _find_action(assessment, action_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        assessment.actions.remove(action)
        saving.touch(assessment, current_user, sections.ACTIONS.title, _context(assessment))
        db.session.commit()
        flash("The action has been removed.", "success")
        return redirect(url_for("assessments.actions", ref=assessment.reference))
    return render_template(
        "assessments/action_remove.html", assessment=assessment, action=action, form=form
    )


@bp.route("/<ref>/withdraw", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("view")
def withdraw(assessment: Assessment):
    form = WithdrawForm()
    if form.validate_on_submit():
        workflow.withdraw(assessment, current_user, form.reason.data or "")
        db.session.commit()
        flash(f"{assessment.reference} has been withdrawn.", "success")
        return redirect(url_for("assessments.view", ref=assessment.reference))
    return render_template("assessments/withdraw.html", assessment=assessment, form=form)


@bp.route("/<ref>/revisions/<int:number>")
@allow(SIGNED_IN)
@assessment_access("view")
def revision(assessment: Assessment, number: int):
    """A frozen revision, exactly as it was submitted."""
    revision = next((r for r in assessment.revisions if r.number == number), None)
    if revision is None:
        abort(404)
    decision = Decision.on(revision)
    require_part(assessment, revision_part(bool(decision and decision.approved)))
    return render_template(
        "assessments/revision.html",
        assessment=assessment,
        revision=revision,
        snapshot=revision.read(),
        decision=decision,
    )


@bp.route("/<ref>/start-review", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("view")
def start_review(assessment: Assessment):
    if not can_start_review(current_user, assessment):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        workflow.start_review(assessment, current_user)
        db.session.commit()
        flash(
            f"You have started revision {assessment.revision}. The answers are copied from the "
            "signed-off revision, which stays in force until this one is signed off.",
            "success",
        )
        return redirect(url_for("assessments.task_list", ref=assessment.reference))
    return render_template("assessments/start_review.html", assessment=assessment, form=form)
