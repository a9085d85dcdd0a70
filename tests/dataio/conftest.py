"""The small planning model of tests/planning, for import and export tests."""

from tests.planning.conftest import cube, model  # noqa: F401
