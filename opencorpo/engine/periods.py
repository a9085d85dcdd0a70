"""The Time dimension: fiscal years, quarters and months for a configurable fiscal year start."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Literal

from opencorpo.engine.errors import EngineError

PeriodKind = Literal["year", "quarter", "month"]

MONTHS_PER_QUARTER = 3
QUARTERS_PER_YEAR = 4
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# datetime.date covers years 1..9999, and a fiscal year may start in the calendar year before its name.
EARLIEST_FISCAL_YEAR = 2
LATEST_FISCAL_YEAR = 9999


@dataclass(frozen=True)
class Period:
    """One member of the Time dimension; `end` is the inclusive last day."""

    code: str
    name: str
    kind: PeriodKind
    parent_code: str | None
    start: datetime.date
    end: datetime.date
    fiscal_year: int


def month_code(year: int, month: int) -> str:
    """The code of a calendar month, e.g. month_code(2026, 4) == "2026-04"."""
    if not 1 <= month <= 12:
        raise EngineError(f"Month {month} is not a calendar month; use 1 (January) to 12 (December).")
    return f"{year:04d}-{month:02d}"


def fiscal_year_code(fiscal_year: int) -> str:
    return f"FY{fiscal_year}"


def quarter_code(fiscal_year: int, quarter: int) -> str:
    return f"FY{fiscal_year}-Q{quarter}"


def fiscal_year_start(fiscal_year: int, start_month: int) -> datetime.date:
    """First day of a fiscal year, which is named after the calendar year in which it ends.

    With start_month=4, FY2026 runs from 2025-04-01 to 2026-03-31; with start_month=1 it is calendar 2026.
    """
    _check_start_month(start_month)
    return datetime.date(fiscal_year if start_month == 1 else fiscal_year - 1, start_month, 1)


def fiscal_calendar(first_fiscal_year: int, years: int, start_month: int = 1) -> list[Period]:
    """Every period of `years` fiscal years from `first_fiscal_year`, in tree order.

    The order is the year, then Q1, its three months, Q2, its three months, …, then the next year, so
    the position in the list is a ready-made sort key for the hierarchy.
    """
    _check_start_month(start_month)
    if years < 1:
        raise EngineError(f"A fiscal calendar needs at least one year, not {years}; ask for 1 or more years.")
    last_fiscal_year = first_fiscal_year + years - 1
    if first_fiscal_year < EARLIEST_FISCAL_YEAR or last_fiscal_year > LATEST_FISCAL_YEAR:
        raise EngineError(
            f"Fiscal years {first_fiscal_year} to {last_fiscal_year} are out of range; "
            f"use years between {EARLIEST_FISCAL_YEAR} and {LATEST_FISCAL_YEAR}."
        )
    periods: list[Period] = []
    for fiscal_year in range(first_fiscal_year, last_fiscal_year + 1):
        periods.extend(_fiscal_year_periods(fiscal_year, start_month))
    return periods


def _fiscal_year_periods(fiscal_year: int, start_month: int) -> list[Period]:
    months = _fiscal_months(fiscal_year, start_month)
    year_code = fiscal_year_code(fiscal_year)
    periods = [
        Period(
            code=year_code,
            name=f"FY {fiscal_year}",
            kind="year",
            parent_code=None,
            start=_first_day(*months[0]),
            end=_last_day(*months[-1]),
            fiscal_year=fiscal_year,
        )
    ]
    for quarter in range(1, QUARTERS_PER_YEAR + 1):
        quarter_months = months[(quarter - 1) * MONTHS_PER_QUARTER : quarter * MONTHS_PER_QUARTER]
        code = quarter_code(fiscal_year, quarter)
        periods.append(
            Period(
                code=code,
                name=f"Q{quarter} FY {fiscal_year}",
                kind="quarter",
                parent_code=year_code,
                start=_first_day(*quarter_months[0]),
                end=_last_day(*quarter_months[-1]),
                fiscal_year=fiscal_year,
            )
        )
        periods.extend(
            Period(
                code=month_code(year, month),
                name=f"{MONTH_ABBREVIATIONS[month - 1]} {year}",
                kind="month",
                parent_code=code,
                start=_first_day(year, month),
                end=_last_day(year, month),
                fiscal_year=fiscal_year,
            )
            for year, month in quarter_months
        )
    return periods


def _fiscal_months(fiscal_year: int, start_month: int) -> list[tuple[int, int]]:
    """The twelve (calendar year, month) pairs of a fiscal year, in order."""
    first = fiscal_year_start(fiscal_year, start_month)
    return [
        (first.year + (first.month - 1 + offset) // 12, (first.month - 1 + offset) % 12 + 1) for offset in range(12)
    ]


def _first_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def _last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _check_start_month(start_month: int) -> None:
    if not 1 <= start_month <= 12:
        raise EngineError(
            f"Fiscal year start month {start_month} is not a month; use 1 (January) to 12 (December), "
            "e.g. 4 for a fiscal year starting in April."
        )
