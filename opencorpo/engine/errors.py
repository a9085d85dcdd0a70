"""Typed engine errors whose messages say what is wrong and what to do about it."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises; `message` is safe to show to the user as it is.

    The Django side maps these to 4xx responses: each one is caused by the model or the request,
    never by a bug in the engine.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class HierarchyError(EngineError):
    """A hierarchy is malformed (duplicate, orphan, cycle) or a member is not in it."""


class QueryError(EngineError):
    """An aggregation request does not fit the cube (unknown or missing dimension, bad member, bad facts)."""
