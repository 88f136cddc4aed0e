"""The EDI action plan: themes, objectives and their actions, for everyone signed in."""

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Objective, Theme
from eqia.pagination import paginate_rows
from eqia.permissions import ADMIN, SIGNED_IN, allow, may
from eqia.plan import bp, data
from eqia.timefmt import uk_today

EQIAS_PER_PAGE = 20


def _is_admin() -> bool:
    return may(current_user, ADMIN)


@bp.route("/")
@allow(SIGNED_IN)
def index():
    admin = _is_admin()
    objectives = data.objectives(include_retired=admin)
    return render_template(
        "plan/index.html",
        themes=data.by_theme([o for o in objectives if o.active]),
        retired=[o for o in objectives if not o.active],
        counts=data.counts(),
        sample=data.has_sample_data(),
        admin=admin,
    )


@bp.route("/themes/<int:theme_id>")
@allow(SIGNED_IN)
def theme(theme_id: int):
    chosen = db.get_or_404(Theme, theme_id)
    objectives = data.objectives(theme_id=chosen.id)
    return render_template(
        "plan/theme.html",
        theme=chosen,
        objectives=objectives,
        counts=data.counts([o.id for o in objectives]),
        sample=data.has_sample_data(),
        admin=_is_admin(),
    )


@bp.route("/objectives/<int:number>")
@allow(SIGNED_IN)
def objective(number: int):
    chosen = db.session.scalar(select(Objective).where(Objective.number == number))
    if chosen is None:
        abort(404)
    admin = _is_admin()
    actions = data.objective_actions(chosen, include_retired=admin)
    return render_template(
        "plan/objective.html",
        objective=chosen,
        actions=actions,
        sample=chosen.sample or any(a.sample and a.active for a, _ in actions),
        page=paginate_rows(data.supporting_eqias(chosen), EQIAS_PER_PAGE),
        today=uk_today(),
        admin=admin,
    )
