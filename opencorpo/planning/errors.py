"""Planning errors a user can cause; each names the model, dimension, member, cube or version at fault."""

from __future__ import annotations

from opencorpo.core.errors import Conflict, NotFound, UserError


class UnknownObject(NotFound):
    code = "unknown"


class InvalidStructure(UserError):
    code = "invalid_structure"


class InvalidCell(UserError):
    code = "invalid_cell"


class InvalidQuery(UserError):
    code = "invalid_query"


class VersionLocked(Conflict):
    code = "version_locked"


class StaleWrite(Conflict):
    code = "stale_write"


class DataInTheWay(Conflict):
    code = "member_has_data"


class MergeConflicts(Conflict):
    code = "merge_conflicts"
