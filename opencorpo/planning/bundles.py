"""Model bundles: a whole model (structure, formulas, versions, data, rates, allocations) as a folder or a .zip of
YAML and CSV files, byte-for-byte the same for the same model so that bundles diff well in git (docs/bundles.md).

This module holds the format, the safe reading of folders and zips, and the export; `bundle_import.py` the import.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

import yaml
from django.db import connection, transaction
from django.db.models import Field

from opencorpo.core.errors import UserError
from opencorpo.engine.periods import fiscal_calendar
from opencorpo.planning.models import MEMBER_ATTRIBUTES, Cube, Dimension, DimensionKind, FxRate, Member, Model
from opencorpo.planning.structure import hierarchy_of

FORMAT = 1  # the `bundle:` line of model.yaml; a reader refuses formats it does not know
SAFE_CODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")  # model, dimension and cube codes (they name files)
RATE_COLUMNS = ["version", "period", "currency", "rate_type", "rate"]
MEMBER_DEFAULTS = {
    name: cast("Field[Any, Any]", Member._meta.get_field(name)).get_default() for name in MEMBER_ATTRIBUTES
}
# A zip is checked before anything in it is read: a zip bomb or a stray archive is refused as a whole.
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 4 << 30  # uncompressed, over all entries
MAX_RATIO = 200  # uncompressed / compressed size of one entry (text compresses 5-20×; a bomb 1000×)
RATIO_FROM_BYTES = 1 << 16  # entries smaller than this cannot bomb; their ratio is not checked


class BundleError(UserError):
    """A bundle that cannot be read or imported; the message names the file (and line) at fault."""

    code = "invalid_bundle"


# --- reading: a folder or a zip, by bundle path ---------------------------------------------------------------


class BundleSource:
    """The files of a bundle by their path inside it ("dimensions/account.yaml"); text, UTF-8."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        if path.is_dir():
            self.names = _folder_files(path.resolve())
        elif zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            try:
                self.names = _checked_entries(path.name, self.zip)
            except BundleError:
                self.zip.close()
                raise
            tops = {name.split("/", 1)[0] for name in self.names}
            if "model.yaml" not in self.names and len(tops) == 1 and f"{next(iter(tops))}/model.yaml" in self.names:
                self.prefix = f"{next(iter(tops))}/"  # a zip of the bundle's folder: read inside that folder
                self.names = {name[len(self.prefix) :] for name in self.names}
        elif path.exists():
            raise BundleError(f"{path} is neither a folder nor a zip file; give a bundle folder or a .zip.")
        else:
            raise BundleError(f"{path} does not exist; give a bundle folder or a .zip.")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    @contextmanager
    def open(self, name: str) -> Iterator[IO[str]]:
        if name not in self.names:
            raise BundleError(f"{name} is missing from the bundle.")
        if self.zip is not None:
            with self.zip.open(self.prefix + name) as raw:  # reads at most the entry's checked size
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return
        root = self.path.resolve()
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise BundleError(f"{name} points outside the bundle folder (a link?); refused.")
        with target.open(encoding="utf-8-sig", newline="") as file:
            yield file

    def text(self, name: str) -> str:
        try:
            with self.open(name) as file:
                return file.read()
        except UnicodeDecodeError:
            raise BundleError(f"{name} is not UTF-8 text.") from None

    def yaml(self, name: str) -> Any:
        try:
            return yaml.safe_load(self.text(name))
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f", line {mark.line + 1}" if mark is not None else ""
            raise BundleError(f"{name}{where}: not valid YAML ({error.problem or error.context}).") from None
        except yaml.YAMLError as error:
            raise BundleError(f"{name}: not valid YAML ({error}).") from None


def _folder_files(root: Path) -> set[str]:
    """Every file under the folder, skipping hidden folders (.git)."""
    names: set[str] = set()
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        names.update((Path(folder) / file).relative_to(root).as_posix() for file in files)
    return names


@contextmanager
def bundle_open(path: Path) -> Iterator[BundleSource]:
    source = BundleSource(Path(path))
    try:
        yield source
    finally:
        source.close()


def _checked_entries(label: str, archive: zipfile.ZipFile) -> set[str]:
    """The zip's file names, after the checks against zip bombs, path traversal, links and encryption."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise BundleError(f"{label}: {len(entries):,} entries (limit {MAX_ENTRIES:,}); not a model bundle, refused.")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        raise BundleError(
            f"{label}: {total:,} bytes uncompressed (limit {MAX_TOTAL_BYTES:,}); refused as a possible zip bomb."
        )
    names: set[str] = set()
    for entry in entries:
        name = entry.filename
        parts = PurePosixPath(name).parts
        if (
            not name
            or name.startswith("/")
            or "\\" in name
            or "\0" in name
            or ".." in parts
            or (parts and ":" in parts[0])
        ):
            raise BundleError(f"{label}: entry {name!r} points outside the bundle; refused.")
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise BundleError(f"{label}: entry {name!r} is a symbolic link; refused.")
        if entry.flag_bits & 0x1:
            raise BundleError(f"{label}: entry {name!r} is encrypted; bundles are plain zips.")
        if entry.file_size > RATIO_FROM_BYTES and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise BundleError(
                f"{label}: entry {name!r} expands {entry.file_size / max(entry.compress_size, 1):,.0f}× "
                f"(limit {MAX_RATIO}×); refused as a possible zip bomb."
            )
        if name.endswith("/"):
            continue
        if name in names:
            raise BundleError(f"{label}: entry {name!r} appears twice; refused.")
        names.add(name)
    return names


# --- writing: a folder or a deterministic zip ----------------------------------------------------------------


class _Sink:
    """Where an export writes: files of a folder, or entries of a zip with fixed dates and modes."""

    def __init__(self, folder: Path | None, archive: zipfile.ZipFile | None) -> None:
        self.folder, self.archive = folder, archive

    @contextmanager
    def open(self, name: str) -> Iterator[IO[str]]:
        if self.archive is not None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
            with (
                self.archive.open(info, "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
            ):
                yield text
            return
        assert self.folder is not None
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as file:
            yield file

    def yaml(self, name: str, data: Any) -> None:
        with self.open(name) as file:
            file.write(yaml_text(data))


def yaml_text(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 20)


@contextmanager
def _sink(path: Path) -> Iterator[_Sink]:
    if path.suffix.lower() == ".zip":  # written beside, then moved in place: never a half-written zip
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                yield _Sink(None, archive)
            os.chmod(temporary, 0o644)  # a bundle is meant to be shared; mkstemp made it 600
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return
    if path.exists() and any(path.iterdir()):
        if not (path / "model.yaml").is_file():
            raise BundleError(f"{path} is a folder with other files in it; export into an empty folder or a bundle.")
        for part in ("model.yaml", "rates.csv", "allocations.yaml"):
            (path / part).unlink(missing_ok=True)
        for folder, suffix in (("dimensions", ".yaml"), ("cubes", ".yaml"), ("data", ".csv")):
            for stale in (path / folder).glob(f"*{suffix}"):  # a deleted cube's data must not linger
                stale.unlink()
    path.mkdir(parents=True, exist_ok=True)
    yield _Sink(path, None)


# --- export ---------------------------------------------------------------------------------------------------


def bundle_export(*, model: Model, path: Path) -> dict[str, Any]:
    """Write the model as a bundle folder, or a zip when `path` ends in .zip, from one consistent state."""
    path = Path(path)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # structure and facts from the same snapshot of the database
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        dimensions = list(model.dimensions.order_by("pk"))
        cubes = list(model.cubes.order_by("code"))
        for code in [model.code, *(d.code for d in dimensions), *(c.code for c in cubes)]:
            if not SAFE_CODE.fullmatch(code):
                raise BundleError(f"Code {code!r} cannot name a bundle file; use letters, digits, '-' and '_'.")
        time = next(d for d in dimensions if d.kind == DimensionKind.TIME)
        first_year, years = _calendar_of(model, time)
        values = 0
        with _sink(path) as sink:
            sink.yaml(
                "model.yaml",
                {
                    "bundle": FORMAT,
                    "code": model.code,
                    "name": model.name,
                    "description": model.description,
                    "fiscal_year_start_month": model.fiscal_year_start_month,
                    "reporting_currency": model.reporting_currency,
                    "first_fiscal_year": first_year,
                    "years": years,
                    "dimensions": [d.code for d in dimensions],
                    "cubes": [c.code for c in cubes],
                },
            )
            for dimension in dimensions:
                sink.yaml(f"dimensions/{dimension.code}.yaml", _dimension_data(dimension))
            for cube in cubes:
                links = cube.cube_dimensions.select_related("dimension").order_by("position")
                sink.yaml(
                    f"cubes/{cube.code}.yaml", {"name": cube.name, "dimensions": [c.dimension.code for c in links]}
                )
            for cube in cubes:
                with sink.open(f"data/{cube.code}.csv") as file:
                    values += _facts_write(cube, file)
            rates = _rates_write(model, sink)
            allocations = [
                {"code": a.code, "name": a.name, "cube": a.cube.code, "definition": _plain(a.definition)}
                for a in model.allocations.select_related("cube").order_by("code")
            ]
            sink.yaml("allocations.yaml", allocations)
    return {
        "model": model.code,
        "path": str(path),
        "cubes": len(cubes),
        "values": values,
        "rates": rates,
        "allocations": len(allocations),
    }


def _calendar_of(model: Model, time: Dimension) -> tuple[int, int]:
    """(first fiscal year, number of years) of the time dimension, which must be the calendar model_create made."""
    members = list(time.members.all())
    years = sorted(
        int(m.attributes.get("fiscal_year") or m.code.removeprefix("FY")) for m in members if m.period_kind == "year"
    )
    if not years or years != list(range(years[0], years[0] + len(years))):
        raise BundleError(f"Model {model.code!r}: the time dimension has no run of fiscal years; it cannot be bundled.")
    expected = {p.code for p in fiscal_calendar(years[0], len(years), model.fiscal_year_start_month)}
    if expected != {m.code for m in members}:
        raise BundleError(
            f"Model {model.code!r}: the time dimension differs from its fiscal calendar, which a bundle regenerates."
        )
    return years[0], len(years)


def _tree_order(dimension: Dimension) -> list[Member]:
    members = {m.pk: m for m in dimension.members.all()}
    hierarchy = hierarchy_of(dimension, members.values())
    ordered: list[Member] = []
    stack = list(reversed(hierarchy.roots()))
    while stack:
        member_id = stack.pop()
        ordered.append(members[member_id])
        stack.extend(reversed(hierarchy.children(member_id)))
    return ordered


def _dimension_data(dimension: Dimension) -> dict[str, Any]:
    members = _tree_order(dimension)
    if dimension.kind == DimensionKind.TIME:  # the calendar is regenerated on import: only the closed periods travel
        records = [{"code": m.code, "locked": True} for m in members if m.locked]
    else:
        codes = {m.pk: m.code for m in members}
        records = []
        for member in members:
            record: dict[str, Any] = {"code": member.code, "name": member.name}
            if member.parent_id is not None:
                record["parent"] = codes[member.parent_id]
            for attribute in MEMBER_ATTRIBUTES:
                value = getattr(member, attribute)
                if value != MEMBER_DEFAULTS[attribute]:
                    record[attribute] = _plain(value)
            for reference in ("ratio_numerator", "ratio_denominator"):
                target = getattr(member, f"{reference}_id")
                if target is not None:
                    record[reference] = codes[target]
            records.append(record)
    return {"kind": dimension.kind, "name": dimension.name, "members": records}


def _plain(value: Any) -> Any:
    """JSON-like data with mapping keys sorted (the database does not promise an order)."""
    if isinstance(value, dict):
        return {str(key): _plain(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _facts_write(cube: Cube, file: IO[str]) -> int:
    """The cube's facts as CSV rows of member codes and the value, sorted by code (byte order), streamed."""
    links = list(cube.cube_dimensions.select_related("dimension").order_by("position"))
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow([link.dimension.code for link in links] + ["value"])
    joins = " ".join(f"JOIN planning_member d{i} ON d{i}.id = f.{link.slot}" for i, link in enumerate(links))
    codes = ", ".join(f"d{i}.code" for i in range(len(links)))
    order = ", ".join(f'd{i}.code COLLATE "C"' for i in range(len(links)))
    statement = (
        f"COPY (SELECT {codes}, f.value FROM planning_fact f {joins} WHERE f.cube_id = {int(cube.pk)} "
        f"ORDER BY {order}) TO STDOUT (FORMAT BINARY)"
    )
    written = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(["text"] * len(links) + ["float8"])
        for row in copy.rows():
            writer.writerow([*row[:-1], _number(row[-1])])
            written += 1
    return written


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise BundleError(f"A stored value is {value!r}; bundles hold finite numbers only.")
    return repr(float(value))  # the shortest text that reads back as exactly this float


def _rates_write(model: Model, sink: _Sink) -> int:
    rates = sorted(
        (r.version.code, r.period.code, r.currency, r.rate_type, r.rate)
        for r in FxRate.objects.filter(model=model).select_related("version", "period")
    )
    with sink.open("rates.csv") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(RATE_COLUMNS)
        writer.writerows([*rate[:4], _number(rate[4])] for rate in rates)
    return len(rates)
