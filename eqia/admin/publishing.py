"""The public register's settings: whether sign-off starts from "publish", and how
officers are named there."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice

from eqia import settings
from eqia.admin import bp
from eqia.forms import Form, GovRadioField, Required
from eqia.permissions import ADMIN, allow
from eqia.publishing import PublishingPolicy

OFFICERS = {
    "titles": "By their job title, like “Head of Libraries”",
    "names": "By their name",
}


class PublishingSettingsForm(Form):
    by_default = GovRadioField(
        "When a super user signs off an EqIA, does the form start from publishing it?",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[Required("Select whether sign-off starts from publishing the EqIA")],
        description="The super user can still choose either way. An EqIA signed off again "
        "starts from whether it is published now.",
    )
    officers = GovRadioField(
        "How are officers shown on the public register?",
        widget=GovRadioInput(),
        choices=[SelectChoice(value, label) for value, label in OFFICERS.items()],
        validators=[Required("Select how officers are shown on the public register")],
        description="The project lead and the super user who signed it off. The signed PDF "
        "record is published as it was sealed, with their names.",
    )
    submit = SubmitField("Save the public register settings", widget=GovSubmitInput())


def _describe(policy: PublishingPolicy) -> dict[str, str]:
    return {
        "Sign-off starts from publishing": "yes" if policy.by_default else "no",
        "Officers on the public register": "by name"
        if policy.officers == "names"
        else "by job title",
    }


@bp.route("/public-register", methods=["GET", "POST"])
@allow(ADMIN)
def publishing_settings():
    policy = PublishingPolicy.load()
    form = PublishingSettingsForm(
        data={"by_default": "yes" if policy.by_default else "no", "officers": policy.officers}
    )
    if form.validate_on_submit():
        chosen = PublishingPolicy(
            by_default=form.by_default.data == "yes", officers=form.officers.data
        )
        settings.keep(chosen, _describe(policy), _describe(chosen), current_user)
        flash("The public register settings have been saved.", "success")
        return redirect(url_for("admin.publishing_settings"))
    return render_template("admin/publishing_settings.html", form=form)
