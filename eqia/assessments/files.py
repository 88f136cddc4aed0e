"""Evidence files attached to the evidence section."""

from flask import redirect, url_for

from eqia.assessments import bp
from eqia.models import Assessment
from eqia.permissions import SIGNED_IN, allow, assessment_access


@bp.route("/<ref>/evidence/files", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def files(assessment: Assessment):
    return redirect(url_for("assessments.task_list", ref=assessment.reference))
