"""The EDI action plan: themes, objectives and their actions."""

from eqia.plan import bp  # noqa: F401
