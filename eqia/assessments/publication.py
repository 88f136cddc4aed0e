"""Putting an EqIA's signed-off record on the public register, and taking it off again."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from eqia import workflow
from eqia.assessments import bp
from eqia.extensions import db
from eqia.forms import ConfirmForm, Form, long_text, not_blank
from eqia.models import Assessment
from eqia.permissions import ADMIN, SIGN_OFF, allow, assessment_access
from eqia.questions import MEDIUM

UNPUBLISH_REASON = "Enter why you are taking this EqIA off the public register"


class UnpublishForm(Form):
    reason = long_text(
        "Why are you taking this EqIA off the public register?",
        MEDIUM,
        not_blank(UNPUBLISH_REASON),
        name="Your reason",
        description="This is kept in the EqIA's history.",
    )
    submit = SubmitField("Take it off the public register", widget=GovSubmitInput())


def _back(assessment: Assessment):
    return redirect(url_for("assessments.view", ref=assessment.reference) + "#public-register")


@bp.route("/<ref>/publish", methods=["POST"])
@allow(SIGN_OFF, ADMIN)
@assessment_access("view")
def publish(assessment: Assessment):
    if ConfirmForm().validate_on_submit():
        workflow.publish(assessment, current_user)
        db.session.commit()
        flash(f"{assessment.reference} is on the public register.", "success")
    return _back(assessment)


@bp.route("/<ref>/unpublish", methods=["GET", "POST"])
@allow(SIGN_OFF, ADMIN)
@assessment_access("view")
def unpublish(assessment: Assessment):
    form = UnpublishForm()
    if form.validate_on_submit():
        workflow.unpublish(assessment, current_user, form.reason.data)
        db.session.commit()
        flash(f"{assessment.reference} has been taken off the public register.", "success")
        return _back(assessment)
    return render_template("assessments/unpublish.html", assessment=assessment, form=form)
