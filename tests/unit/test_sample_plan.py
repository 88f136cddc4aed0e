"""The sample action plan is written twice: frozen in the migrations that put it in a new
database, and in ``eqia.plan.sample`` for the downloadable template. They must agree."""

import importlib.util
from pathlib import Path

from eqia.plan import sample

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def migration(prefix: str):
    path = next(VERSIONS.glob(f"{prefix}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{prefix}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_template_holds_the_sample_actions_a_new_database_gets():
    assert sample.ACTIONS == migration("0004").ACTIONS


def test_the_template_names_the_sample_objectives_and_themes_a_new_database_gets():
    seeded = migration("0002")
    assert dict(enumerate(seeded.OBJECTIVES, 1)) == sample.OBJECTIVES
    assert {n: name for n, (name, _text) in enumerate(seeded.THEMES, 1)} == sample.THEMES


def test_every_template_row_has_a_status_the_import_reads():
    statuses = [row[9] for row in sample.template_rows()]
    assert set(statuses) == {"Complete", "On track", "At risk", "Not started"}
