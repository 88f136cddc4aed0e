"""Public pages drawn once for each state of what they show, and kept in this process.

A public page is the same for everyone, so once drawn it can be served again until what it
shows changes. Each page names what it shows (:data:`PUBLISHED`, :data:`POLICY`,
:data:`LISTS`), and a few small queries read the state of each: any change gives a new
state, and the page is drawn again. Nothing here needs keeping: a new process, or a page
pushed out of the cache, is drawn again; every instance behind the load balancer draws the
same bytes, so an ETag from one is good at another. Each app has its own.

Which EqIAs are published, and which revision of each is in force, changes only through
the workflow, and every move it makes writes an audit event: so the audit chain's head
(one row, read by its key) is their state. Any event anywhere draws the pages again, which
costs a page drawn now and then, never a page out of date. The publishing settings and the
filter's lists change without a workflow move, so they are read as they are.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, current_app, request
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import AuditHead, Characteristic, Directorate, Setting
from eqia.publishing import PublishingPolicy

# How many pages each process keeps (the filters' combinations are many; the pages people
# read are few).
SIZE = 512


def _published() -> tuple:
    return (db.session.scalar(select(AuditHead.count).where(AuditHead.id == 1)),)


def _policy() -> tuple:
    return (
        db.session.scalar(select(Setting.updated_at).where(Setting.key == PublishingPolicy.KEY)),
    )


def _lists() -> tuple:
    directorates = db.session.execute(select(Directorate.id, Directorate.name)).all()
    characteristics = db.session.execute(
        select(Characteristic.code, Characteristic.name, Characteristic.position)
    ).all()
    return (tuple(directorates), tuple(characteristics))


# What a page may show, each with how its state is read.
PUBLISHED = _published  # which EqIAs are published, and which revisions are in force
POLICY = _policy  # the publishing settings (officers by name or by job title)
LISTS = _lists  # the directorates and characteristics the register's filter lists


class _Pages:
    def __init__(self, size: int):
        self.size = size
        self.lock = threading.Lock()
        self.pages: OrderedDict[tuple, tuple[bytes, str, str]] = OrderedDict()

    def get(self, key: tuple) -> tuple[bytes, str, str] | None:
        with self.lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
            return found

    def put(self, key: tuple, page: tuple[bytes, str, str]) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


EXTENSION = "eqia.public.pages"


def _pages() -> _Pages:
    """This app's pages (each app its own, so a test's app never serves another's)."""
    return current_app.extensions.setdefault(EXTENSION, _Pages(SIZE))


def cached(draw: Callable[[], Response], *shows: Callable[[], tuple]) -> Response:
    """The page ``draw`` gives, drawn again only when the state of what it ``shows`` has
    changed since it was kept. Only a 200 is kept."""
    state = repr(tuple(reading() for reading in shows))
    key = (request.full_path, hashlib.sha256(state.encode()).hexdigest())
    pages = _pages()
    if (found := pages.get(key)) is not None:
        body, mimetype, etag = found
        response = Response(body, mimetype=mimetype)
        response.set_etag(etag)
        return response
    response = draw()
    if response.status_code == 200:
        body = response.get_data()
        etag = hashlib.sha256(body).hexdigest()
        response.set_etag(etag)
        pages.put(key, (body, response.mimetype, etag))
    return response
