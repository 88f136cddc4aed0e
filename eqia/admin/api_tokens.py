"""Admins make, list and revoke the API tokens reports read the data feed with
(``eqia.tokens``). A token is shown once, on the page after it is made; only its hash is
kept. Making and revoking one are in the audit trail and the security log."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from eqia import tokens
from eqia.admin import bp
from eqia.admin.api_token_forms import ApiTokenForm
from eqia.extensions import db
from eqia.forms import ConfirmForm
from eqia.models import ApiToken, Dataset, Reach
from eqia.pagination import paginate
from eqia.permissions import ADMIN, allow

PER_PAGE = 25


@bp.route("/api-tokens")
@allow(ADMIN)
def api_tokens() -> ResponseReturnValue:
    query = select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name, ApiToken.id)
    return render_template("admin/api_tokens.html", page=paginate(query, PER_PAGE))


@bp.route("/api-tokens/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_api_token() -> ResponseReturnValue:
    form = ApiTokenForm()
    if form.validate_on_submit():
        if tokens.name_taken(form.name.data):
            form.name.errors.append("A token with this name already exists")
        else:
            token, secret = tokens.issue(
                form.name.data,
                [Dataset(value) for value in form.datasets.data],
                Reach(form.reach.data),
                form.expires_on.data,
                current_user,
            )
            db.session.commit()
            # Shown on this response alone, never kept: not after a redirect, not in a session.
            return render_template("admin/api_token_created.html", token=token, secret=secret)
    return render_template("admin/api_token_form.html", form=form)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@allow(ADMIN)
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    token = db.get_or_404(ApiToken, token_id)
    form = ConfirmForm()
    if token.revoked_at is None and form.validate_on_submit():
        tokens.revoke(token, current_user)
        db.session.commit()
        flash(f"{token.name} has been revoked: reports using it stop now.", "success")
        return redirect(url_for("admin.api_tokens"))
    return render_template("admin/api_token_revoke.html", form=form, token=token)
