"""The pure planning engine: plain values in, plain values out; no Django, no I/O."""

from opencorpo.engine.accounts import (
    AccountRule,
    AccountType,
    Polarity,
    TimeBalance,
    default_polarity,
    default_rule,
    default_time_balance,
    polarity_sign,
)
from opencorpo.engine.cube import Axis, CubeShape, Facts, aggregate, cell_value
from opencorpo.engine.errors import EngineError, HierarchyError, QueryError
from opencorpo.engine.hierarchy import Hierarchy, Node
from opencorpo.engine.periods import Period, fiscal_calendar, month_code
from opencorpo.engine.variance import Variance, variance, variance_arrays

__all__ = [
    "AccountRule",
    "AccountType",
    "Axis",
    "CubeShape",
    "EngineError",
    "Facts",
    "Hierarchy",
    "HierarchyError",
    "Node",
    "Period",
    "Polarity",
    "QueryError",
    "TimeBalance",
    "Variance",
    "aggregate",
    "cell_value",
    "default_polarity",
    "default_rule",
    "default_time_balance",
    "fiscal_calendar",
    "month_code",
    "polarity_sign",
    "variance",
    "variance_arrays",
]
