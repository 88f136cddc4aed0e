from flask import render_template

from eqia.database import is_reachable
from eqia.main import bp
from eqia.permissions import ANYONE, SIGNED_IN, allow


@bp.route("/")
@allow(SIGNED_IN)
def dashboard():
    return render_template("main/dashboard.html")


@bp.route("/accessibility")
@allow(ANYONE)
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@allow(SIGNED_IN)
def privacy():
    return render_template("main/privacy.html")


@bp.route("/healthz")
@allow(ANYONE)
def healthz():
    if is_reachable():
        return {"status": "ok", "database": "ok"}
    return {"status": "unavailable", "database": "unreachable"}, 503
