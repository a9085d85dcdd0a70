"""Tests of the pure planning engine: no Django, no database."""
