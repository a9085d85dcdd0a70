"""Report and dashboard services: the standard reports of a model (created lazily), who sees which report, and
reading a report's numbers, always through the grid service with the reader's own access (no shared cache of
another user's result: the grid's result cache is keyed by the reader's access scope)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction

from opencorpo.accounts.roles import roles_of
from opencorpo.governance.comments import comment_marks
from opencorpo.planning.grid import grid_read
from opencorpo.planning.models import Cube, DimensionKind, Member, Model
from opencorpo.planning.permissions import MODELLERS
from opencorpo.planning.serializers import grid_query
from opencorpo.reports.models import Dashboard, Report, ReportKind
from opencorpo.reports.redaction import DefinitionReader

# Income-statement lines of the standard chart (the demo company's); other models use the children of their
# income root instead.
IS_LINES = ["REV", "COGS", "GP", "OPEX", "OOI", "EBIT", "FIN", "TAXG", "NI"]
BRIDGE_STEPS = ["REV", "COGS", "OPEX", "OOI", "FIN", "TAXG"]
NON_PL = {"asset", "liability", "equity", "statistical"}


def report_visible(report: Report, user: Any) -> bool:
    return report.shared or report.created_by_id is None or report.created_by_id == getattr(user, "pk", None)


def report_editable(report: Report, user: Any) -> bool:
    """The author edits a report; modellers and administrators edit any, including the standard ones."""
    if report.created_by_id is not None and report.created_by_id == getattr(user, "pk", None):
        return True
    return bool(set(roles_of(user, report.model_id)) & MODELLERS)


def report_data(report: Report, user: Any) -> dict[str, Any]:
    """The report's numbers for this reader: its stored query, without the members the reader cannot read
    (redaction.py), run by the grid service with the reader's access, with the comment counts of its cells (added
    after the cached answer: comments do not move the data version)."""
    query = DefinitionReader(report.cube, user).query_to_run(report.definition.get("query") or {})
    answer = grid_read(cube=report.cube, query=grid_query(query), user=user)
    return {**answer, "comments": comment_marks(report.cube, user, answer)}


def definition_check(definition: Any) -> dict[str, Any]:
    """A definition holds a valid grid query (400 with the fields at fault otherwise)."""
    from opencorpo.core.errors import UserError

    if not isinstance(definition, dict) or not isinstance(definition.get("query"), dict):
        raise UserError("A report definition needs a grid query under 'query'.", fields={"definition": ["query"]})
    grid_query(definition["query"])
    return definition


# ---- the standard reports -------------------------------------------------------------------------------


def _members(model: Model, kind: str) -> dict[str, Member]:
    return {m.code: m for m in Member.objects.filter(dimension__model=model, dimension__kind=kind).order_by("sort")}


def _sign_in(member: Member, root: Member, by_id: dict[int, Member]) -> float:
    """How a member's value enters its root: the product of the weights along the path."""
    sign, current = 1.0, member
    while current.pk != root.pk and current.parent_id is not None:
        sign *= current.weight
        current = by_id[current.parent_id]
    return 1.0 if sign >= 0 else -1.0


def _last_actual_month(cube: Cube, months: list[Member], actual: Member | None) -> Member:
    """The last month with actual numbers; without any, the last month already over (else the first month)."""
    if actual is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT period_id FROM planning_fact WHERE cube_id = %s AND version_id = %s",
                [cube.pk, actual.pk],
            )
            with_data = {row[0] for row in cursor.fetchall()}
        found = [m for m in months if m.pk in with_data]
        if found:
            return found[-1]
    today = datetime.date.today()
    over = [m for m in months if m.end_date is not None and m.end_date < today]
    return over[-1] if over else months[0]


def _standard_cube(model: Model) -> Cube | None:
    for cube in Cube.objects.filter(model=model).order_by("pk"):
        kinds = set(cube.cube_dimensions.values_list("dimension__kind", flat=True))
        if {DimensionKind.ACCOUNT, DimensionKind.TIME, DimensionKind.VERSION} <= kinds:
            return cube
    return None


def standard_definitions(model: Model, cube: Cube) -> list[dict[str, Any]]:
    """The standard reports of a model, fitted to its chart of accounts, entities, calendar and versions."""
    accounts = _members(model, DimensionKind.ACCOUNT)
    by_id = {m.pk: m for m in accounts.values()}
    versions = _members(model, DimensionKind.VERSION)
    times = _members(model, DimensionKind.TIME)
    entities = _members(model, DimensionKind.ENTITY)
    cube_dimensions = set(cube.cube_dimensions.values_list("dimension__kind", flat=True))
    roots = [m for m in accounts.values() if m.parent_id is None]
    income = accounts.get("NI") or next((m for m in roots if m.account_type not in NON_PL), None)
    if income is None or "actual" not in versions or "budget" not in versions:
        return []
    children = [m for m in accounts.values() if m.parent_id == income.pk]
    if all(code in accounts for code in ("REV", "COGS", "OPEX")) and income.code == "NI":
        lines = [code for code in IS_LINES if code in accounts]
        steps = [accounts[code] for code in BRIDGE_STEPS if code in accounts]
    else:
        lines = [m.code for m in children] + [income.code]
        steps = children
    months = [m for m in times.values() if m.period_kind == "month"]
    last = _last_actual_month(cube, months, versions.get("actual"))
    year = by_id_time(times, last)
    year_months = [m.code for m in months if m.attributes.get("fiscal_year") == year.attributes.get("fiscal_year")]
    quarters = [m.code for m in times.values() if m.parent_id == year.pk]
    index = [m.code for m in months].index(last.code)
    rolling = [m.code for m in months[max(0, index - 5) : index + 7]]
    plan = "forecast" if "forecast" in versions else "budget"
    trend_versions = [v for v in ("actual", "budget", "forecast") if v in versions]
    variance = {"version": "actual", "reference": "budget"}
    entity_root = next((m for m in entities.values() if m.parent_id is None), None)
    bva = {
        "rows": [{"dimension": "account", "members": lines}],
        "columns": [{"dimension": "version", "members": ["actual", "budget"]}],
        "filters": {"time": year.code},
        "variance": variance,
    }
    found: list[dict[str, Any]] = [
        {
            "code": "income-statement",
            "name": "Income statement",
            "kind": ReportKind.GRID,
            "definition": {
                "query": {
                    "rows": [{"dimension": "account", "members": lines}],
                    "columns": [
                        {"dimension": "time", "members": quarters or [year.code]},
                        {"dimension": "version", "members": ["actual", "budget"]},
                    ],
                    "variance": variance,
                },
                "display": {"layout": "variance", "title": f"Income statement {year.code}, actual vs budget"},
            },
        },
        {
            "code": "budget-vs-actual",
            "name": "Budget vs actual",
            "kind": ReportKind.GRID,
            "definition": {"query": bva, "display": {"layout": "variance", "title": f"Budget vs actual {year.code}"}},
        },
        {
            "code": "rolling-forecast",
            "name": "Rolling forecast",
            "kind": ReportKind.GRID,
            "definition": {
                "query": {
                    "rows": [{"dimension": "account", "members": lines}],
                    "columns": [
                        {"dimension": "time", "members": rolling},
                        {"dimension": "version", "members": ["actual", plan]},
                    ],
                },
                "display": {
                    "layout": "rolling",
                    "actual": "actual",
                    "forecast": plan,
                    "cutoff": last.code,
                    "title": f"Rolling forecast: actuals to {last.code}, then {plan}",
                },
            },
        },
        {
            "code": "variance-bridge",
            "name": "Variance bridge: budget to actual",
            "kind": ReportKind.CHART,
            "definition": {
                "query": {
                    **bva,
                    "rows": [{"dimension": "account", "members": [*(s.code for s in steps), income.code]}],
                },
                "chart": {
                    "type": "waterfall",
                    "total": income.code,
                    "start": "budget",
                    "end": "actual",
                    "steps": [{"account": s.code, "sign": _sign_in(s, income, by_id)} for s in steps],
                },
            },
        },
        {
            "code": "revenue-trend",
            "name": f"{accounts[lines[0]].name} by month and version",
            "kind": ReportKind.CHART,
            "definition": {
                "query": {
                    "rows": [{"dimension": "version", "members": trend_versions}],
                    "columns": [{"dimension": "time", "members": year_months}],
                    "filters": {"account": lines[0]},
                },
                "chart": {"type": "trend"},
            },
        },
    ]
    if entity_root is not None and DimensionKind.ENTITY in cube_dimensions:
        found += [
            {
                "code": "entity-bars",
                "name": f"{income.name} by entity",
                "kind": ReportKind.CHART,
                "definition": {
                    "query": {
                        "rows": [{"dimension": "entity", "children_of": entity_root.code}],
                        "columns": [{"dimension": "version", "members": ["actual", "budget"]}],
                        "filters": {"account": income.code, "time": year.code},
                    },
                    "chart": {"type": "bars"},
                },
            },
            {
                "code": "variance-heatmap",
                "name": f"{income.name} variance % by entity and month",
                "kind": ReportKind.CHART,
                "definition": {
                    "query": {
                        "rows": [{"dimension": "entity", "children_of": entity_root.code}],
                        "columns": [
                            {"dimension": "time", "members": year_months},
                            {"dimension": "version", "members": ["actual", "budget"]},
                        ],
                        "filters": {"account": income.code},
                        "variance": variance,
                    },
                    "chart": {"type": "heatmap"},
                },
            },
        ]
    if "TA" in accounts and "TLE" in accounts:
        found.append(
            {
                "code": "balance-sheet",
                "name": "Balance sheet",
                "kind": ReportKind.GRID,
                "definition": {
                    "query": {
                        "rows": [{"dimension": "account", "descendants_of": accounts["TA"].parent.code}]
                        if accounts["TA"].parent
                        else [{"dimension": "account", "members": ["TA", "TLE"]}],
                        "columns": [{"dimension": "version", "members": ["actual", "budget"]}],
                        "filters": {"time": last.code},
                        "variance": variance,
                    },
                    "display": {"layout": "variance", "title": f"Balance sheet at the end of {last.code}"},
                },
            }
        )
    return found


def by_id_time(times: dict[str, Member], month: Member) -> Member:
    """The fiscal year (the root above the month) of a month."""
    by_id = {m.pk: m for m in times.values()}
    current = month
    while current.parent_id is not None:
        current = by_id[current.parent_id]
    return current


DASHBOARD_ITEMS = [
    ("variance-bridge", "large"),
    ("revenue-trend", "medium"),
    ("entity-bars", "medium"),
    ("variance-heatmap", "large"),
    ("budget-vs-actual", "large"),
]


@transaction.atomic
def reports_defaults(model: Model) -> None:
    """Create the standard reports (shared, without an author) and the "Overview" dashboard of a model where
    missing; existing ones, even edited or deleted-and-recreated, are left alone. Called lazily when a model's
    reports or dashboards are first listed, so no demo hook or data migration is needed."""
    if Dashboard.objects.filter(model=model, code="overview").exists():
        return
    cube = _standard_cube(model)
    if cube is None:
        return
    existing = set(Report.objects.filter(model=model).values_list("code", flat=True))
    made: set[str] = set(existing)
    for item in standard_definitions(model, cube):
        if item["code"] not in existing:
            Report.objects.create(model=model, cube=cube, shared=True, **item)
            made.add(item["code"])
    items = [{"report": code, "size": size} for code, size in DASHBOARD_ITEMS if code in made]
    if items:
        Dashboard.objects.get_or_create(model=model, code="overview", defaults={"name": "Overview", "items": items})
