"""The characteristics catalogue: admins add, reword, reorder and retire entries.

Section 4 of every draft EqIA asks about each active characteristic, in
position order (``Characteristic.active_in_order``). Retiring one stops drafts
asking about it; answers already given keep pointing at it. A characteristic's
code is made from its name when it is added and never changes afterwards,
because question pages' URLs use it.
"""

import re
import unicodedata

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eqia.admin import bp
from eqia.admin.characteristic_forms import CharacteristicForm, MoveForm
from eqia.extensions import db
from eqia.models import Characteristic
from eqia.permissions import ADMIN, allow

CODE_LIMIT = 60  # the length of Characteristic.code


def _in_order() -> list[Characteristic]:
    query = select(Characteristic).order_by(Characteristic.position, Characteristic.id)
    return list(db.session.scalars(query))


def slugify(name: str) -> str:
    """Lower-case ASCII words and hyphens: "Armed forces community" → armed-forces-community."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[: CODE_LIMIT - 4].rstrip("-") or "characteristic"


def unique_code(name: str) -> str:
    """A code made from the name that no characteristic, active or retired, has yet."""
    base = slugify(name)
    taken = set(
        db.session.scalars(select(Characteristic.code).where(Characteristic.code.like(f"{base}%")))
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def _save(characteristic: Characteristic, form: CharacteristicForm) -> bool:
    """Copy the form into the characteristic; False (with the error on the form) if it cannot."""
    name = form.name.data
    clash = db.session.scalar(
        select(Characteristic).where(func.lower(Characteristic.name) == name.lower())
    )
    if clash is not None and clash.id != characteristic.id:
        form.name.errors.append("A characteristic with this name already exists")
        return False
    if characteristic.active and not form.active.data:
        others = db.session.scalar(
            select(func.count())
            .select_from(Characteristic)
            .where(Characteristic.active, Characteristic.id != characteristic.id)
        )
        if not others:
            form.active.errors.append(
                "At least one characteristic must be included in new assessments"
            )
            return False
    characteristic.name = name
    characteristic.guidance = form.guidance.data
    characteristic.kind = form.kind.data
    characteristic.active = form.active.data
    return True


@bp.route("/characteristics")
@allow(ADMIN)
def characteristics():
    return render_template("admin/characteristics.html", characteristics=_in_order())


@bp.route("/characteristics/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_characteristic():
    form = CharacteristicForm()
    if form.validate_on_submit():
        characteristic = Characteristic()
        if _save(characteristic, form):
            last = db.session.scalar(select(func.max(Characteristic.position))) or 0
            characteristic.code = unique_code(characteristic.name)
            characteristic.position = last + 1
            db.session.add(characteristic)
            try:
                db.session.commit()
            except IntegrityError:  # another admin took the same code at the same moment
                db.session.rollback()
                form.name.errors.append(
                    "Someone else added a characteristic at the same moment. Save it again."
                )
            else:
                flash(f"{characteristic.name} has been added.", "success")
                return redirect(url_for("admin.characteristics"))
    return render_template("admin/characteristic_form.html", form=form, characteristic=None)


@bp.route("/characteristics/<int:characteristic_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_characteristic(characteristic_id: int):
    characteristic = db.get_or_404(Characteristic, characteristic_id)
    form = CharacteristicForm(obj=characteristic)
    if form.validate_on_submit() and _save(characteristic, form):
        db.session.commit()
        flash(f"{characteristic.name} has been updated.", "success")
        return redirect(url_for("admin.characteristics"))
    return render_template(
        "admin/characteristic_form.html", form=form, characteristic=characteristic
    )


@bp.route("/characteristics/<int:characteristic_id>/move", methods=["POST"])
@allow(ADMIN)
def move_characteristic(characteristic_id: int):
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    ordered = _in_order()
    index = next((i for i, c in enumerate(ordered) if c.id == characteristic_id), None)
    if index is None:
        abort(404)
    other = index - 1 if form.direction.data == "up" else index + 1
    moved = ordered[index]
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, characteristic in enumerate(ordered, 1):
            characteristic.position = position
        db.session.commit()
        flash(f"{moved.name} has been moved {form.direction.data}.", "success")
    return redirect(url_for("admin.characteristics", _anchor=f"characteristic-{moved.id}"))
