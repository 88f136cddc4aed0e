from flask import Blueprint

bp = Blueprint("records", __name__)


@bp.record_once
def _check_certificate(state) -> None:
    """Production refuses to start with a signing certificate it cannot use."""
    if state.app.config.get("PRODUCTION"):
        from eqia.records import documents

        documents.keys(state.app)


from eqia.records import exports, register, routes  # noqa: E402,F401
