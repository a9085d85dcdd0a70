"""Import of a model bundle (format in bundles.py and docs/bundles.md). Every file is read and checked first, data
included, so that a bad bundle is refused with the file and line at fault before anything is written; then the model
is built through the structure services and its data loaded set-wise, all in one transaction.

Formula results are stored facts, and the bundle's data holds them like any other value; the import keeps them
exactly as they are rather than recalculating them. A recalculation could change answers: a period closed (or a
version locked) when a formula or its inputs changed keeps its earlier results, also once reopened. So the data is
loaded while the model has no formulas yet (a load recalculates nothing then), and the formulas are set, validated by
the structure service, while every version is locked (a recalculation never writes into a locked version); then each
version gets its lock flag from the bundle. Any later change of an input recalculates as usual.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, FloatField, IntegerField, JSONField

from opencorpo.accounts.roles import BUILDERS, role_require
from opencorpo.core.errors import UserError
from opencorpo.engine.errors import EngineError
from opencorpo.engine.periods import fiscal_calendar
from opencorpo.planning import structure
from opencorpo.planning.allocations import allocation_create
from opencorpo.planning.bundles import (
    FORMAT,
    MEMBER_DEFAULTS,
    RATE_COLUMNS,
    SAFE_CODE,
    BundleError,
    BundleSource,
    bundle_open,
)
from opencorpo.planning.loads import facts_load
from opencorpo.planning.models import (
    CODE_MAX,
    FACT_SLOTS,
    MAX_OTHER_DIMENSIONS,
    MEMBER_ATTRIBUTES,
    AccountType,
    Dimension,
    DimensionKind,
    Member,
    Model,
    Polarity,
    RateType,
    TimeBalance,
    VersionKind,
)
from opencorpo.planning.rates import rates_set

BUILT_IN = (DimensionKind.ACCOUNT, DimensionKind.ENTITY, DimensionKind.TIME, DimensionKind.VERSION)
REFERENCES = ("parent", "ratio_numerator", "ratio_denominator")
CHOICES = {
    "account_type": AccountType.values,
    "time_balance": TimeBalance.values,
    "polarity": Polarity.values,
    "version_kind": VersionKind.values,
}
MODEL_KEYS = {
    "bundle",
    "code",
    "name",
    "description",
    "fiscal_year_start_month",
    "reporting_currency",
    "first_fiscal_year",
    "years",
    "dimensions",
    "cubes",
}


@dataclass
class _Dimension:
    code: str
    kind: str
    name: str
    members: list[dict[str, Any]]
    leaves: set[str]  # the members that hold values (not totals, not ratios)
    index: dict[str, int] = field(default_factory=dict)  # code → position, for compact cell keys

    def file(self) -> str:
        return f"dimensions/{self.code}.yaml"


@dataclass
class _Plan:
    meta: dict[str, Any]
    dimensions: dict[str, _Dimension]
    cubes: dict[str, tuple[str, list[str]]]  # code → (name, dimension codes)
    rates: list[dict[str, Any]]
    allocations: list[dict[str, Any]]


def bundle_import(*, path: Path, code: str | None = None, user: Any = None) -> Model:
    """Create a model from a bundle folder or zip, optionally under another code; all or nothing. Like creating a
    model, it needs an administrator or modeller role held everywhere (`user` None: the operator at the CLI)."""
    role_require(user, None, *BUILDERS, action="import model bundles")
    with bundle_open(Path(path)) as source:
        plan = _read(source, code)
        with transaction.atomic():
            return _write(source, plan)


@contextmanager
def _about(where: str) -> Iterator[None]:
    """A service's refusal, named after the bundle file that caused it."""
    try:
        yield
    except BundleError:
        raise
    except UserError as error:
        raise BundleError(f"{where}: {error.message}") from None


# --- reading and checking -------------------------------------------------------------------------------------


def _read(source: BundleSource, code: str | None) -> _Plan:
    meta = _model(source, code)
    try:
        periods = fiscal_calendar(meta["first_fiscal_year"], meta["years"], meta["fiscal_year_start_month"])
    except EngineError as error:
        raise BundleError(f"model.yaml: {error.message}") from None
    calendar: dict[str, str] = {period.code: period.kind for period in periods}
    dimensions = {d: _dimension(source, d, calendar) for d in meta["dimensions"]}
    for kind in BUILT_IN:
        if [d.code for d in dimensions.values() if d.kind == kind] != [kind.value]:
            raise BundleError(f"model.yaml: a model has one {kind} dimension, with the code {kind.value!r}.")
    cubes = {c: _cube(source, c, dimensions) for c in meta["cubes"]}
    for folder, suffix, listed in (
        ("dimensions", ".yaml", dimensions),
        ("cubes", ".yaml", cubes),
        ("data", ".csv", cubes),
    ):
        for name in sorted(source.names):
            if (
                name.startswith(f"{folder}/")
                and name.endswith(suffix)
                and name[len(folder) + 1 : -len(suffix)] not in listed
            ):
                raise BundleError(f"{name}: not listed in model.yaml; list it there or remove the file.")
    for cube_code, (_, codes) in cubes.items():
        _data_check(source, cube_code, [dimensions[c] for c in codes])
    return _Plan(meta, dimensions, cubes, _rates(source, dimensions), _allocations(source, cubes))


def _model(source: BundleSource, code: str | None) -> dict[str, Any]:
    where = "model.yaml"
    data = source.yaml(where)
    if not isinstance(data, dict):
        raise BundleError(f"{where}: expected a mapping of the model's fields (see docs/bundles.md).")
    version = data.get("bundle")
    if version != FORMAT or isinstance(version, bool):
        raise BundleError(
            f"{where}: bundle format {version!r} is not one this OpenCorpo reads ({FORMAT}); "
            "export the model with a matching OpenCorpo version."
        )
    _no_unknown(where, data, MODEL_KEYS)
    meta: dict[str, Any] = {
        "code": _code(where, code if code is not None else data.get("code"), "the model code"),
        "name": _text(where, data.get("name"), "name", 200),
        "description": _text(where, data.get("description", ""), "description", None, empty=True),
        "fiscal_year_start_month": _integer(
            where, data.get("fiscal_year_start_month"), "fiscal_year_start_month", 1, 12
        ),
        "reporting_currency": _currency(where, data.get("reporting_currency"), "reporting_currency"),
        "first_fiscal_year": _integer(where, data.get("first_fiscal_year"), "first_fiscal_year", 2, 9999),
        "years": _integer(where, data.get("years"), "years", 1, 30),
    }
    for key in ("dimensions", "cubes"):
        codes = data.get(key)
        if not isinstance(codes, list):
            raise BundleError(f"{where}: {key} must list the {key} by code.")
        listed = [_code(where, item, f"a {key[:-1]} code") for item in codes]
        if len(set(listed)) != len(listed):
            raise BundleError(f"{where}: {key} lists a code twice.")
        meta[key] = listed
    if Model.objects.filter(code=meta["code"]).exists():
        raise BundleError(f"{where}: a model with code {meta['code']!r} exists already; import under another code.")
    return meta


def _dimension(source: BundleSource, code: str, calendar: dict[str, str]) -> _Dimension:
    where = f"dimensions/{code}.yaml"
    data = source.yaml(where)
    if not isinstance(data, dict):
        raise BundleError(f"{where}: expected a mapping with kind, name and members.")
    _no_unknown(where, data, {"kind", "name", "members"})
    kind = data.get("kind")
    if kind not in DimensionKind.values:
        raise BundleError(f"{where}: kind {kind!r} is not one of {', '.join(DimensionKind.values)}.")
    name = _text(where, data.get("name"), "name", 200)
    records = data.get("members") or []
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise BundleError(f"{where}: members must be a list of mappings (code, name, parent, …).")
    if kind == DimensionKind.TIME:  # the calendar comes from model.yaml; only closed periods are listed
        for number, record in enumerate(records, start=1):
            _no_unknown(f"{where}, member {number}", record, {"code", "locked"})
            if str(record.get("code")) not in calendar or not isinstance(record.get("locked"), bool):
                raise BundleError(f"{where}, member {number}: name a period of the calendar and locked: true/false.")
        months = {c for c, k in calendar.items() if k == "month"}
        return _Dimension(code, kind, name, records, months, {c: i for i, c in enumerate(calendar)})
    members: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        member_code = _text(f"{where}, member {number}", record.get("code"), "code", CODE_MAX)
        at = f"{where}, member {member_code!r}"
        _no_unknown(at, record, {"code", "name", *REFERENCES, *MEMBER_ATTRIBUTES})
        member = {"code": member_code, "name": _text(at, record.get("name"), "name", 200)}
        for key in REFERENCES:
            if record.get(key) is not None:
                member[key] = _text(at, record[key], key, CODE_MAX)
        for attribute in MEMBER_ATTRIBUTES:
            if attribute in record:
                member[attribute] = _attribute(at, attribute, record[attribute])
        members.append(member)
    index = {member["code"]: position for position, member in enumerate(members)}
    if len(index) != len(members):
        twice = next(code for code, count in Counter(m["code"] for m in members).items() if count > 1)
        raise BundleError(f"{where}: member {twice!r} is listed twice.")
    for member in members:
        for key in REFERENCES:
            if key in member and member[key] not in index:
                raise BundleError(f"{where}, member {member['code']!r}: {key} {member[key]!r} is not a member here.")
    parents = {member.get("parent") for member in members}
    leaves = {
        m["code"]
        for m in members
        if kind == DimensionKind.VERSION or (m["code"] not in parents and "ratio_numerator" not in m)
    }
    return _Dimension(code, kind, name, members, leaves, index)


def _cube(source: BundleSource, code: str, dimensions: dict[str, _Dimension]) -> tuple[str, list[str]]:
    where = f"cubes/{code}.yaml"
    data = source.yaml(where)
    if not isinstance(data, dict):
        raise BundleError(f"{where}: expected a mapping with name and dimensions.")
    _no_unknown(where, data, {"name", "dimensions"})
    name = _text(where, data.get("name"), "name", 200)
    codes = data.get("dimensions")
    if not isinstance(codes, list) or not all(isinstance(c, str) and c in dimensions for c in codes):
        raise BundleError(f"{where}: dimensions must list dimensions of the model (from model.yaml) in order.")
    kinds = [dimensions[c].kind for c in codes]
    if len(set(codes)) != len(codes) or DimensionKind.TIME not in kinds or DimensionKind.VERSION not in kinds:
        raise BundleError(f"{where}: a cube names each dimension once, time and version included.")
    if len(codes) - 2 > MAX_OTHER_DIMENSIONS:
        raise BundleError(f"{where}: a cube has at most {MAX_OTHER_DIMENSIONS} dimensions besides time and version.")
    return name, codes


def _data_check(source: BundleSource, cube: str, dimensions: list[_Dimension]) -> None:
    """Every line names known leaf members and a finite number, each cell once."""
    where = f"data/{cube}.csv"
    seen: dict[int, int] = {}  # the cell as one number (mixed radix over the member positions) → its line
    radix = [len(d.index) or 1 for d in dimensions]
    with _csv(source, where, [d.code for d in dimensions] + ["value"]) as reader:
        for row in reader:
            line = reader.line_num
            key = _cell_key(where, line, row, dimensions, radix)
            if key in seen:
                raise BundleError(f"{where}, line {line}: repeats the cell of line {seen[key]}.")
            seen[key] = line


def _cell_key(where: str, line: int, row: list[str], dimensions: list[_Dimension], radix: list[int]) -> int:
    if len(row) != len(dimensions) + 1:
        raise BundleError(f"{where}, line {line}: {len(row)} fields; expected {len(dimensions) + 1}.")
    key = 0
    for dimension, base, code in zip(dimensions, radix, row, strict=False):
        position = dimension.index.get(code)
        if position is None:
            raise BundleError(f"{where}, line {line}: dimension {dimension.code!r} has no member {code!r}.")
        if code not in dimension.leaves:
            raise BundleError(
                f"{where}, line {line}: {code!r} of dimension {dimension.code!r} is a total or a ratio; "
                "values live on leaf members."
            )
        key = key * base + position
    _number(where, line, row[-1], "value")
    return key


def _rates(source: BundleSource, dimensions: dict[str, _Dimension]) -> list[dict[str, Any]]:
    where = "rates.csv"
    if where not in source.names:
        return []
    versions = next(d for d in dimensions.values() if d.kind == DimensionKind.VERSION).index
    months = next(d for d in dimensions.values() if d.kind == DimensionKind.TIME).leaves
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, ...], int] = {}
    with _csv(source, where, RATE_COLUMNS) as reader:
        for row in reader:
            line = reader.line_num
            at = f"{where}, line {line}"
            if len(row) != len(RATE_COLUMNS):
                raise BundleError(f"{at}: {len(row)} fields; expected {len(RATE_COLUMNS)}.")
            version, period, currency, rate_type, rate = row
            if version not in versions:
                raise BundleError(f"{at}: there is no version {version!r}.")
            if period not in months:
                raise BundleError(f"{at}: {period!r} is not a month of the calendar; give rates per month.")
            _currency(at, currency, "currency")
            if rate_type not in RateType.values:
                raise BundleError(f"{at}: rate type {rate_type!r} is not one of {', '.join(RateType.values)}.")
            value = _number(where, line, rate, "rate")
            if value <= 0:
                raise BundleError(f"{at}: rate {rate!r} is not a positive number.")
            if tuple(row[:4]) in seen:
                raise BundleError(f"{at}: repeats the rate of line {seen[tuple(row[:4])]}.")
            seen[tuple(row[:4])] = line
            rows.append(dict(zip(RATE_COLUMNS, [*row[:4], value], strict=True)))
    return rows


def _allocations(source: BundleSource, cubes: dict[str, Any]) -> list[dict[str, Any]]:
    where = "allocations.yaml"
    data = (source.yaml(where) if where in source.names else None) or []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise BundleError(f"{where}: expected a list of allocations (code, name, cube, definition).")
    codes: set[str] = set()
    for number, item in enumerate(data, start=1):
        at = f"{where}, allocation {number}"
        _no_unknown(at, item, {"code", "name", "cube", "definition"})
        _code(at, item.get("code"), "code")
        _text(at, item.get("name"), "name", 200)
        if item.get("cube") not in cubes:
            raise BundleError(f"{at}: cube {item.get('cube')!r} is not a cube of the model.")
        if not isinstance(item.get("definition"), dict):
            raise BundleError(f"{at}: definition must be a mapping (see planning/allocations.py).")
        if item["code"] in codes:
            raise BundleError(f"{at}: code {item['code']!r} is used twice.")
        codes.add(item["code"])
    return data


@contextmanager
def _csv(source: BundleSource, where: str, header: list[str]) -> Iterator[Any]:
    """A CSV reader past its checked header line; read and decoding errors name the file and line."""
    with source.open(where) as file:
        reader = csv.reader(file, strict=True)
        try:
            first = next(reader, None)
            if first != header:
                raise BundleError(
                    f"{where}, line 1: the header must be {','.join(header)}, not {','.join(first or [])}."
                )
            yield reader
        except csv.Error as error:
            raise BundleError(f"{where}, line {reader.line_num}: {error}.") from None
        except UnicodeDecodeError:
            raise BundleError(f"{where}, line {reader.line_num + 1}: not UTF-8 text.") from None


def _no_unknown(where: str, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise BundleError(f"{where}: unknown field {', '.join(unknown)}; see docs/bundles.md.")


def _text(where: str, value: Any, what: str, max_length: int | None, *, empty: bool = False) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # codes such as 4000 may come unquoted
    if not isinstance(value, str) or (not value and not empty) or (max_length and len(value) > max_length):
        limit = f" of at most {max_length} characters" if max_length else ""
        raise BundleError(f"{where}: {what} must be text{limit}, not {value!r}.")
    return value


def _code(where: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not SAFE_CODE.fullmatch(value):
        raise BundleError(f"{where}: {what} {value!r} must be letters, digits, '-' and '_' (at most 64).")
    return value


def _integer(where: str, value: Any, what: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BundleError(f"{where}: {what} must be a whole number from {low} to {high}, not {value!r}.")
    return value


def _currency(where: str, value: Any, what: str) -> str:
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        raise BundleError(f"{where}: {what} {value!r} is not a three-letter currency code such as EUR.")
    return value


def _number(where: str, line: int, text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BundleError(f"{where}, line {line}: {what} {text!r} is not a finite number.")
    return value


def _attribute(where: str, attribute: str, value: Any) -> Any:
    model_field = Member._meta.get_field(attribute)
    if isinstance(model_field, BooleanField):
        ok, wanted = isinstance(value, bool), "true or false"
    elif isinstance(model_field, FloatField):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        ok, wanted = number and math.isfinite(value), "a finite number"
    elif isinstance(model_field, IntegerField):
        ok, wanted = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif isinstance(model_field, JSONField):
        ok, wanted = isinstance(value, dict), "a mapping"
    else:
        limit = getattr(model_field, "max_length", None)
        ok, wanted = isinstance(value, str) and (limit is None or len(value) <= limit), f"text (≤ {limit} characters)"
        if attribute in CHOICES:
            ok, wanted = ok and value in ["", *CHOICES[attribute]], f"one of {', '.join(CHOICES[attribute])}"
    if not ok:
        raise BundleError(f"{where}: {attribute} must be {wanted}, not {value!r}.")
    return float(value) if isinstance(model_field, FloatField) else value


# --- writing --------------------------------------------------------------------------------------------------


def _write(source: BundleSource, plan: _Plan) -> Model:
    meta = plan.meta
    with _about("model.yaml"):
        model = structure.model_create(
            code=meta["code"],
            name=meta["name"],
            description=meta["description"],
            fiscal_year_start_month=meta["fiscal_year_start_month"],
            reporting_currency=meta["reporting_currency"],
            first_fiscal_year=meta["first_fiscal_year"],
            years=meta["years"],
        )
    made: dict[str, Dimension] = {}
    for spec in plan.dimensions.values():  # members; formulas come last (see the module docstring)
        with _about(spec.file()):
            made[spec.code] = _dimension_write(model, spec)
    cubes = {}
    for code, (name, dimensions) in plan.cubes.items():  # after the versions: each gets its fact partitions
        with _about(f"cubes/{code}.yaml"):
            cubes[code] = structure.cube_create(model=model, code=code, name=name, dimensions=dimensions)
    ids = {code: dict(made[code].members.values_list("code", "pk")) for code in made}
    for code, cube in cubes.items():
        codes = plan.cubes[code][1]
        slots = [FACT_SLOTS.index(link.slot) for link in cube.cube_dimensions.order_by("position")]
        with _about(f"data/{code}.csv"):
            rows = _fact_rows(source, code, [*codes, "value"], [ids[c] for c in codes], slots)
            facts_load(cube=cube, rows=rows, source="import")
        with connection.cursor() as cursor:  # its staging table lives until commit; the next cube makes its own
            cursor.execute("DROP TABLE IF EXISTS load_staging")
    _formulas_write(plan, made)
    _locks_write(plan, made)  # last: the database refuses writes into locked versions and closed periods
    if plan.rates:
        with _about("rates.csv"):
            rates_set(model=model, rows=plan.rates)
    for number, item in enumerate(plan.allocations, start=1):
        with _about(f"allocations.yaml, allocation {number}"):
            allocation_create(model=model, **item)  # its definition checked against the model just built
    return model


def _formulas_write(plan: _Plan, made: dict[str, Dimension]) -> None:
    """Set the formulas, validated, without recalculating the loaded results (see the module docstring)."""
    formulas = {
        spec.code: [{"code": m["code"], "formula": m["formula"]} for m in spec.members if m.get("formula")]
        for spec in plan.dimensions.values()
    }
    if not any(formulas.values()):
        return
    versions = next(spec for spec in plan.dimensions.values() if spec.kind == DimensionKind.VERSION)
    locks = [{"code": m["code"], "locked": True} for m in versions.members]
    structure.members_bulk(dimension=made[versions.code], upserts=locks)
    for code, rows in formulas.items():
        if rows:
            with _about(f"dimensions/{code}.yaml"):
                structure.members_bulk(dimension=made[code], upserts=rows)


def _locks_write(plan: _Plan, made: dict[str, Dimension]) -> None:
    for spec in plan.dimensions.values():
        if spec.kind in (DimensionKind.VERSION, DimensionKind.TIME):
            locks = [{"code": str(m["code"]), "locked": m.get("locked", False)} for m in spec.members]
            if locks:
                structure.members_bulk(dimension=made[spec.code], upserts=locks)


def _dimension_write(model: Model, spec: _Dimension) -> Dimension:
    if spec.kind == DimensionKind.CUSTOM:
        dimension = structure.dimension_create(model=model, code=spec.code, name=spec.name)
    else:
        dimension = model.dimensions.get(kind=spec.kind)
        if dimension.name != spec.name:
            structure.dimension_update(dimension=dimension, name=spec.name)
    if spec.kind == DimensionKind.TIME:
        return dimension  # the calendar is model_create's; its locks come last (_locks_write)
    upserts = [
        {
            **{key: value for key, value in MEMBER_DEFAULTS.items() if key != "formula"},
            "attributes": {},
            **dict.fromkeys(REFERENCES, ""),
            **{key: value for key, value in member.items() if key not in ("formula", "locked")},
        }
        for member in spec.members
    ]  # every field given: members model_create made (the default versions) take the bundle's values whole
    stale = sorted({m.code for m in dimension.members.all()} - set(spec.index))
    structure.members_bulk(dimension=dimension, upserts=upserts, deletes=stale)
    return dimension


def _fact_rows(
    source: BundleSource, cube: str, header: list[str], ids: list[dict[str, int]], slots: list[int]
) -> Iterator[tuple[float, ...]]:
    """The checked data file again, as fact rows (version, period, m1..m6, value) of member ids."""
    with _csv(source, f"data/{cube}.csv", header) as reader:
        for row in reader:
            key = [0] * len(FACT_SLOTS)
            for position, code in enumerate(row[:-1]):
                key[slots[position]] = ids[position][code]
            yield (*key, float(row[-1]))
