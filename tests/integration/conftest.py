"""The small planning model of tests/planning, for end-to-end tests that need a cube."""

from tests.planning.conftest import cube, model  # noqa: F401
