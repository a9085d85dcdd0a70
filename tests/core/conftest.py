"""The small planning model of tests/planning, for tests of the audit log."""

from tests.planning.conftest import cube, model  # noqa: F401
