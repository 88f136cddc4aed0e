"""The auditor's records: signed PDFs, the verify page, the register and exports."""

from eqia.records import bp  # noqa: F401
