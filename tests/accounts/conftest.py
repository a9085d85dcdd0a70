"""The small planning model of tests/planning, for the access tests."""

from tests.planning.conftest import cube, model  # noqa: F401
