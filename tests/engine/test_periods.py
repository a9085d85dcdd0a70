"""Fiscal calendar: codes, names, inclusive dates and tree order for several fiscal year starts."""

from __future__ import annotations

import datetime
import itertools

import pytest

from opencorpo.engine import EngineError, Period, fiscal_calendar, month_code
from opencorpo.engine.periods import fiscal_year_start
from tests.engine.builders import time_hierarchy


def by_code(periods: list[Period]) -> dict[str, Period]:
    return {period.code: period for period in periods}


def test_calendar_year_fiscal_year() -> None:
    periods = fiscal_calendar(2026, 1)
    assert len(periods) == 1 + 4 + 12
    assert [period.code for period in periods[:6]] == [
        "FY2026",
        "FY2026-Q1",
        "2026-01",
        "2026-02",
        "2026-03",
        "FY2026-Q2",
    ]
    year = periods[0]
    assert year == Period(
        code="FY2026",
        name="FY 2026",
        kind="year",
        parent_code=None,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
        fiscal_year=2026,
    )
    february = by_code(periods)["2026-02"]
    assert (february.name, february.kind, february.parent_code) == ("Feb 2026", "month", "FY2026-Q1")
    assert (february.start, february.end) == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))


def test_april_start_is_named_after_the_year_it_ends_in() -> None:
    periods = by_code(fiscal_calendar(2026, 1, start_month=4))
    year = periods["FY2026"]
    assert (year.start, year.end) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    first_quarter = periods["FY2026-Q1"]
    assert first_quarter.name == "Q1 FY 2026"
    assert (first_quarter.start, first_quarter.end) == (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    last_quarter = periods["FY2026-Q4"]
    assert (last_quarter.start, last_quarter.end) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    april = periods["2025-04"]
    assert (april.name, april.parent_code, april.fiscal_year) == ("Apr 2025", "FY2026-Q1", 2026)
    assert periods["2026-03"].parent_code == "FY2026-Q4"


def test_october_start_spans_calendar_years_inside_a_quarter() -> None:
    periods = fiscal_calendar(2026, 1, start_month=10)
    quarter_months = {
        period.code: [child.code for child in periods if child.parent_code == period.code]
        for period in periods
        if period.kind == "quarter"
    }
    assert quarter_months == {
        "FY2026-Q1": ["2025-10", "2025-11", "2025-12"],
        "FY2026-Q2": ["2026-01", "2026-02", "2026-03"],
        "FY2026-Q3": ["2026-04", "2026-05", "2026-06"],
        "FY2026-Q4": ["2026-07", "2026-08", "2026-09"],
    }
    assert by_code(periods)["FY2026"].end == datetime.date(2026, 9, 30)


@pytest.mark.parametrize("start_month", [1, 2, 4, 7, 10, 12])
def test_every_year_has_four_quarters_of_three_contiguous_months(start_month: int) -> None:
    periods = fiscal_calendar(2024, 3, start_month)
    assert [period.kind for period in periods] == (["year"] + (["quarter"] + ["month"] * 3) * 4) * 3
    years = [period for period in periods if period.kind == "year"]
    assert [year.code for year in years] == ["FY2024", "FY2025", "FY2026"]
    for year in years:
        assert year.start == fiscal_year_start(year.fiscal_year, start_month)
        quarters = [period for period in periods if period.parent_code == year.code]
        assert len(quarters) == 4
        assert quarters[0].start == year.start and quarters[-1].end == year.end
        for quarter in quarters:
            months = [period for period in periods if period.parent_code == quarter.code]
            assert len(months) == 3
            assert months[0].start == quarter.start and months[-1].end == quarter.end
            for earlier, later in itertools.pairwise(months):
                assert later.start == earlier.end + datetime.timedelta(days=1)
    for earlier, later in itertools.pairwise(years):
        assert later.start == earlier.end + datetime.timedelta(days=1)


def test_leap_february_ends_on_the_29th() -> None:
    february = by_code(fiscal_calendar(2028, 1))["2028-02"]
    assert february.end == datetime.date(2028, 2, 29)


def test_the_calendar_builds_a_valid_time_hierarchy_in_month_order() -> None:
    hierarchy = time_hierarchy(2026, 2, start_month=4)
    months = [hierarchy.code_of(leaf) for leaf in hierarchy.leaves()]
    assert months[:3] == ["2025-04", "2025-05", "2025-06"] and months[-1] == "2027-03"
    assert len(months) == 24


@pytest.mark.parametrize("start_month", [0, 13, -1])
def test_invalid_start_month(start_month: int) -> None:
    with pytest.raises(EngineError, match=f"start month {start_month} is not a month; use 1 .January. to 12"):
        fiscal_calendar(2026, 1, start_month)


@pytest.mark.parametrize(("first_year", "years"), [(2026, 0), (9999, 2), (1, 1)])
def test_invalid_year_ranges(first_year: int, years: int) -> None:
    with pytest.raises(EngineError):
        fiscal_calendar(first_year, years)


def test_month_code() -> None:
    assert month_code(2026, 4) == "2026-04"
    assert month_code(999, 12) == "0999-12"
    with pytest.raises(EngineError, match="Month 13 is not a calendar month"):
        month_code(2026, 13)
