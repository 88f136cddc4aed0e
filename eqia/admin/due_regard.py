"""The due-regard checks an admin turns on or off, makes blocking, and sets thresholds for."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField, ValidationError
from wtforms.fields.choices import SelectChoice

from eqia import settings
from eqia.admin import bp
from eqia.due_regard import DueRegardPolicy
from eqia.due_regard.checks import CHECKS, Check, Threshold
from eqia.forms import Form, GovRadioField, Required, strip
from eqia.permissions import ADMIN, allow

MODES = [
    SelectChoice("warn", "On: warn, and ask the lead why they are going on"),
    SelectChoice("block", "On: stop the EqIA being submitted until it is put right"),
    SelectChoice("off", "Off"),
]
MODE_LABELS = {"warn": "warns", "block": "blocks", "off": "off"}


def _mode_field(check: Check) -> GovRadioField:
    return GovRadioField(
        check.title,
        widget=GovRadioInput(),
        choices=MODES,
        validators=[Required(f"Select whether the check is on: {check.title.lower()}")],
    )


class WholeNumber:
    """A whole number in a range, typed as digits (no signs, points or exponents)."""

    def __init__(self, threshold: Threshold):
        self.threshold = threshold

    def __call__(self, form, field) -> None:
        t = self.threshold
        value = (field.data or "").strip()
        digits = value.isascii() and value.isdigit() and len(value) <= len(str(t.high))
        if not (digits and t.low <= int(value) <= t.high):
            raise ValidationError(
                f"The {t.label.lower()} must be between {t.low} and {t.high} {t.unit}"
            )


def _threshold_field(threshold: Threshold) -> StringField:
    between = f"between {threshold.low} and {threshold.high}"
    return StringField(
        threshold.label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Required(f"Enter the {threshold.label.lower()}, {between}"),
            WholeNumber(threshold),
        ],
        description=f"In {threshold.unit}, {between}.",
        render_kw={"params": {"inputmode": "numeric", "spellcheck": False}},
    )


def _name(code: str, key: str = "mode") -> str:
    return f"{code.replace('-', '_')}__{key}"


class ChecksForm(Form):
    submit = SubmitField("Save the checks", widget=GovSubmitInput())

    def groups(self) -> list[tuple[Check, object, list]]:
        """Each check with its on/off field and its threshold fields, for the page."""
        return [
            (
                check,
                self[_name(check.code)],
                [self[_name(check.code, t.key)] for t in check.thresholds],
            )
            for check in CHECKS
        ]


def checks_form(policy: DueRegardPolicy) -> ChecksForm:
    fields, data = {}, {}
    for check in CHECKS:
        settings = policy.settings(check)
        fields[_name(check.code)] = _mode_field(check)
        data[_name(check.code)] = _mode(settings)
        for threshold in check.thresholds:
            fields[_name(check.code, threshold.key)] = _threshold_field(threshold)
            data[_name(check.code, threshold.key)] = str(settings[threshold.key])
    return type("DueRegardChecksForm", (ChecksForm,), fields)(data=data)


def _mode(settings: dict) -> str:
    if not settings["enabled"]:
        return "off"
    return "block" if settings["blocking"] else "warn"


def _chosen(form: ChecksForm) -> DueRegardPolicy:
    checks = {}
    for check, mode, thresholds in form.groups():
        checks[check.code] = {
            "enabled": mode.data != "off",
            "blocking": mode.data == "block",
            **{t.key: int(f.data) for t, f in zip(check.thresholds, thresholds, strict=True)},
        }
    return DueRegardPolicy(checks=checks)


def _describe(policy: DueRegardPolicy) -> dict[str, str]:
    described = {}
    for check in CHECKS:
        settings = policy.settings(check)
        described[check.code] = MODE_LABELS[_mode(settings)]
        for threshold in check.thresholds:
            described[f"{check.code} {threshold.unit}"] = str(settings[threshold.key])
    return described


@bp.route("/due-regard-checks", methods=["GET", "POST"])
@allow(ADMIN)
def due_regard_checks():
    policy = DueRegardPolicy.load()
    form = checks_form(policy)
    if form.validate_on_submit():
        chosen = _chosen(form)
        settings.keep(chosen, _describe(policy), _describe(chosen), current_user)
        flash("The due regard checks have been saved.", "success")
        return redirect(url_for("admin.due_regard_checks"))
    return render_template("admin/due_regard_checks.html", form=form)
