"""The public register's pages: the list, each published EqIA, its sealed PDF, the feed."""

import re
from functools import partial

from flask import Response, abort, make_response, render_template, request
from flask.typing import ResponseReturnValue

from eqia.downloads import attachment
from eqia.models.assessments import REFERENCE
from eqia.permissions import ANYONE, allow
from eqia.public import bp, record
from eqia.public.cache import LISTS, POLICY, PUBLISHED, cached
from eqia.public.register import PublicRegister, newest
from eqia.records import sealing

# Anyone, a browser or a shared cache, may keep a page this long before asking again (and
# then an ETag lets it keep the page, if nothing changed, without it being sent again).
MAX_AGE = 300
FEED_SIZE = 50
# What XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cacheable(response: Response) -> Response:
    """The same for everyone: public caching, an ETag, and 304 when the client has it."""
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    if response.get_etag() == (None, None):
        response.add_etag()
    return response.make_conditional(request)


@bp.app_template_filter("xml_text")
def xml_text(value: str) -> str:
    """Text as XML 1.0 can carry it (escaping is the template's)."""
    return _NOT_XML.sub("", value)


def _register_page() -> Response:
    view = PublicRegister.from_request()
    page = view.page()
    return make_response(
        render_template("public/register.html", form=view.form, view=view, page=page)
    )


@bp.route("/eqias")
@allow(ANYONE)
def register() -> ResponseReturnValue:
    return cacheable(cached(_register_page, PUBLISHED, LISTS))


def _eqia_page(ref: str) -> Response:
    found = record.load(ref)
    if found is None:
        abort(404)
    return make_response(render_template("public/eqia.html", record=found))


@bp.route("/eqias/<ref>")
@allow(ANYONE)
def eqia(ref: str) -> ResponseReturnValue:
    if not REFERENCE.fullmatch(ref):
        abort(404)  # names no EqIA: nothing need reach the database
    return cacheable(cached(partial(_eqia_page, ref), PUBLISHED, POLICY))


@bp.route("/eqias/<ref>.pdf")
@allow(ANYONE)
def eqia_pdf(ref: str) -> ResponseReturnValue:
    """The sealed record of the signed-off revision in force, byte for byte."""
    assessment = record.published_assessment(ref)
    if assessment is None:
        abort(404)
    document = sealing.in_force(assessment)
    response = Response(document.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = attachment(document.filename)
    response.set_etag(document.sha256)
    return cacheable(response)


def _feed() -> Response:
    body = render_template("public/feed.xml", entries=newest(FEED_SIZE))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/eqias.atom")
@allow(ANYONE)
def feed() -> ResponseReturnValue:
    return cacheable(cached(_feed, PUBLISHED))
