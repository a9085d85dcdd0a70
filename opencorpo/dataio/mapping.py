"""Column mappings: how a file's rows become cube cells, and the per-row checks, with a reason for each bad cell.

A definition (JSON):
    columns    {"<file column>": {"dimension": "<code>", "by": "code" | "name", "map": {"<source>": "<member>"},
                                 "format": "auto" | "YYYY-MM" | "MMM-YY" | "YYYYMM" | "FY-P"},
                "<value column>": {"value": true}}
    fixed      {"<dimension>": "<member code>"} for dimensions no column gives (e.g. the version)
    flip_sign  ["<account code>", ...]: values of these accounts (totals stand for their leaves) are negated
    decimal    "." (default) or ",": the decimal mark of text numbers

Rows are checked against the reader's access scope and the cube's locks through `planning.visibility`, the one
place every path asks: a hidden member reads as unknown, a total, a calculated account, a locked version or
closed period, or a cell the user may not write is a bad row with its reason.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from typing import Any

from opencorpo.planning.context import CubeContext, DimensionInfo
from opencorpo.planning.errors import InvalidQuery
from opencorpo.planning.frozen import frozen_cells, frozen_key
from opencorpo.planning.models import FACT_SLOTS, DimensionKind
from opencorpo.planning.visibility import Visible

PERIOD_FORMATS = ("auto", "YYYY-MM", "MMM-YY", "YYYYMM", "FY-P")
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_PATTERNS = {
    "YYYY-MM": re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.]\d{1,2}(?:[ T].*)?)?$"),
    "MM/YYYY": re.compile(r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$"),
    "MMM-YY": re.compile(r"^(?P<name>[A-Za-z]{3,9})[-\s/.']*(?P<y>\d{2}|\d{4})$"),
    "YYYYMM": re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
    "FY-P": re.compile(r"^FY\s*(?P<y>\d{4})\s*[-/ ]?\s*P(?:ERIOD)?\s*(?P<p>\d{1,2})$", re.IGNORECASE),
}
_FORMAT_PATTERNS = {
    "auto": tuple(_PATTERNS),
    "YYYY-MM": ("YYYY-MM", "MM/YYYY"),
    "MMM-YY": ("MMM-YY",),
    "YYYYMM": ("YYYYMM",),
    "FY-P": ("FY-P",),
}


@dataclass
class Column:
    name: str
    index: int
    info: DimensionInfo | None  # None: the value column
    by: str = "code"
    table: dict[str, str] = field(default_factory=dict)
    period_format: str = "auto"


@dataclass
class RowMapper:
    """Built once per file: maps a row of strings to (fact key, value) or to its problems."""

    context: CubeContext
    visible: Visible
    columns: list[Column]
    value: Column
    fixed: dict[str, int]  # slot → member id
    flip: set[int]
    decimal: str
    slice: dict[str, set[int]] | None = None  # replace mode: slot → the leaves the file must stay within
    frozen: dict[int, set[int]] | None = None  # units in the approval workflow (see planning/frozen.py)
    _cache: dict[tuple[str, str], tuple[int | None, str | None]] = field(default_factory=dict)

    def map(self, row: list[str]) -> tuple[tuple[int, ...] | None, float | None, list[tuple[str, str, str]]]:
        """(key, value, problems); a row without a value has key and value None and no problems (skipped)."""
        problems: list[tuple[str, str, str]] = []
        text = row[self.value.index].strip() if self.value.index < len(row) else ""
        if not text:
            return None, None, []
        amount = self._number(text)
        if amount is None:
            problems.append((self.value.name, text, f"{text!r} is not a number"))
        slots = dict.fromkeys(FACT_SLOTS, 0) | self.fixed
        for column in self.columns:
            raw = row[column.index].strip() if column.index < len(row) else ""
            member, reason = self._member(column, raw)
            if reason is not None:
                problems.append((column.name, raw, reason))
            elif member is not None and column.info is not None:
                slots[column.info.slot] = member
        if problems or amount is None:
            return None, None, problems
        account = self.context.of_kind(DimensionKind.ACCOUNT)
        if account is not None and slots[account.slot] in self.flip:
            amount = -amount
        if self.slice is not None:
            for slot, leaves in self.slice.items():
                if slots[slot] not in leaves:
                    info = next(i for i in self.context.dimensions if i.slot == slot)
                    code = info.members[slots[slot]].code
                    problems.append((info.dimension.code, code, f"{code!r} is outside the slice being replaced"))
        key = tuple(slots[s] for s in FACT_SLOTS)
        if not problems and frozen_key(self.context, self.frozen, key):
            problems.append(("", "", "the unit is submitted for approval or approved (read-only); ask to reopen it"))
        return (None, None, problems) if problems else (key, amount, [])

    def _number(self, text: str) -> float | None:
        cleaned = text.replace(" ", "").replace("\u00a0", "").replace("'", "")
        negative = cleaned.startswith("(") and cleaned.endswith(")")
        cleaned = cleaned.strip("()")
        if self.decimal == ",":
            cleaned = cleaned.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            value = float(cleaned)
        except ValueError:
            return None
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return -value if negative else value

    def _member(self, column: Column, raw: str) -> tuple[int | None, str | None]:
        key = (column.name, raw)
        if key not in self._cache:
            self._cache[key] = self._resolve(column, raw)
        return self._cache[key]

    def _resolve(self, column: Column, raw: str) -> tuple[int | None, str | None]:
        info = column.info
        assert info is not None
        if not raw:
            return None, f"no {info.dimension.code} given"
        code = column.table.get(raw, raw)
        if info.dimension.kind == DimensionKind.TIME and code not in info.by_code:
            code, reason = _period(info, code, column.period_format)
            if reason:
                return None, reason
        member_id = _by_name(info, code) if column.by == "name" else info.by_code.get(code)
        if member_id is None or not self.visible.readable(info, member_id):
            return None, f"{info.dimension.code} has no member {code!r}"
        member = info.members[member_id]
        if not info.hierarchy.is_leaf(member_id):
            return None, f"{code!r} is a total; import into its leaves"
        if member.is_calculated:
            return None, f"{code!r} is calculated ({'ratio' if member.is_ratio else 'formula'}); import its inputs"
        if info.closed(member_id):
            return None, f"{code!r} is locked"
        if not self.visible.writable(info, member_id):
            return None, f"you may not change {code!r}"
        return member_id, None


def _by_name(info: DimensionInfo, name: str) -> int | None:
    found = [m for m in info.members.values() if m.name == name]
    return found[0].pk if len(found) == 1 else None


def _period(info: DimensionInfo, text: str, period_format: str) -> tuple[str, str | None]:
    """A month code ("2026-03") from the supported period formats; fiscal periods count from the year start."""
    for name in _FORMAT_PATTERNS.get(period_format, ()):
        match = _PATTERNS[name].match(text)
        if match is None:
            continue
        parts = match.groupdict()
        if name == "FY-P":
            year = info.by_code.get(f"FY{parts['y']}")
            months = info.hierarchy.leaves(year) if year is not None else []
            number = int(parts["p"])
            if not 1 <= number <= len(months):
                return text, f"{text!r}: there is no fiscal period {number} of FY{parts['y']}"
            return info.members[months[number - 1]].code, None
        month = MONTHS.get(parts["name"].lower()) if parts.get("name") else int(parts["m"])
        year_number = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
        if not month or not 1 <= month <= 12:
            return text, f"{text!r} is not a month"
        return f"{year_number}-{month:02d}", None
    formats = ", ".join(PERIOD_FORMATS[1:])
    return text, f"{text!r} is not a period (use a month code such as 2026-03, or {formats})"


def mapper_build(
    context: CubeContext, visible: Visible, header: list[str], definition: dict[str, Any], slice_: dict[str, Any]
) -> RowMapper:
    """Check the definition against the file's header and the cube; every mistake is named before any row."""
    if not isinstance(definition, dict) or not isinstance(definition.get("columns"), dict):
        raise InvalidQuery('A mapping needs "columns": {"<file column>": {"dimension": "<code>"} or {"value": true}}.')
    positions = {name.strip(): index for index, name in enumerate(header)}
    columns: list[Column] = []
    value: Column | None = None
    covered: dict[str, str] = {}
    for name, role in definition["columns"].items():
        if name not in positions:
            raise InvalidQuery(f"The file has no column {name!r}; its columns are {', '.join(map(repr, header))}.")
        if not isinstance(role, dict):
            raise InvalidQuery(f'Column {name!r}: give a role such as {{"dimension": "account"}}.')
        if role.get("value"):
            value = Column(name, positions[name], None)
            continue
        info = context.info(str(role.get("dimension", "")))
        by = role.get("by", "code")
        period_format = role.get("format", "auto")
        if by not in ("code", "name") or period_format not in PERIOD_FORMATS:
            raise InvalidQuery(
                f"Column {name!r}: 'by' is code or name; 'format' is one of {', '.join(PERIOD_FORMATS)}."
            )
        table = {str(k): str(v) for k, v in (role.get("map") or {}).items()}
        columns.append(Column(name, positions[name], info, by, table, period_format))
        covered[info.dimension.code] = name
    if value is None:
        raise InvalidQuery('Say which column holds the values: {"<column>": {"value": true}}.')
    fixed: dict[str, int] = {}
    for code, member in (definition.get("fixed") or {}).items():
        info = context.info(code)
        if code in covered:
            raise InvalidQuery(f"Dimension {code!r} comes from column {covered[code]!r} and is fixed too; choose one.")
        member_id = visible.id_of(info, str(member))
        if not info.hierarchy.is_leaf(member_id) or info.closed(member_id) or not visible.writable(info, member_id):
            raise InvalidQuery(f"Fixed member {member!r} of {code!r} must be an open leaf you may write.")
        fixed[info.slot] = member_id
        covered[code] = "fixed"
    missing = [i.dimension.code for i in context.dimensions if i.dimension.code not in covered]
    if missing:
        raise InvalidQuery(f"Map a column to, or fix a member of, every dimension; missing: {', '.join(missing)}.")
    account = context.of_kind(DimensionKind.ACCOUNT)
    flip: set[int] = set()
    for code in definition.get("flip_sign") or []:
        if account is None:
            raise InvalidQuery("flip_sign names accounts, but this cube has no account dimension.")
        flip.update(account.hierarchy.leaves(visible.id_of(account, str(code))))
    decimal = definition.get("decimal", ".")
    if decimal not in (".", ","):
        raise InvalidQuery("decimal is '.' or ','.")
    frozen = frozen_cells(context, visible.user)
    return RowMapper(context, visible, columns, value, fixed, flip, decimal, _slice(context, visible, slice_), frozen)


def _slice(context: CubeContext, visible: Visible, slice_: dict[str, Any]) -> dict[str, set[int]] | None:
    if not slice_:
        return None
    leaves: dict[str, set[int]] = {}
    for code, members in slice_.items():
        info = context.info(code)
        chosen = {leaf for m in members for leaf in info.hierarchy.leaves(visible.id_of(info, str(m)))}
        refused = [m for m in chosen if not visible.writable(info, m) or info.closed(m)]
        if refused:
            first = info.members[refused[0]].code
            raise InvalidQuery(f"The slice includes {first!r}, which is locked or not yours to change; narrow it.")
        leaves[info.slot] = chosen
    return leaves
