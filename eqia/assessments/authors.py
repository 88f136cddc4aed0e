"""Co-authors: colleagues the owner adds to help write an EqIA."""

from flask import redirect, url_for

from eqia.assessments import bp
from eqia.models import Assessment
from eqia.permissions import SIGNED_IN, allow, assessment_access


@bp.route("/<ref>/co-authors", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("authors")
def co_authors(assessment: Assessment):
    return redirect(url_for("assessments.task_list", ref=assessment.reference))
