"""Member imports in parent–child form: one row per member (code, name, parent and any member fields), read by the
hostile-file-safe reader and applied with `members_bulk` in one transaction (validated as a whole tree)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.db import transaction

from opencorpo.accounts.roles import BUILDERS, role_require
from opencorpo.core.errors import UserError
from opencorpo.dataio.imports import limits
from opencorpo.dataio.reading import read_table
from opencorpo.planning import structure
from opencorpo.planning.models import MEMBER_ATTRIBUTES, Dimension

FIELDS = ("code", "name", "parent", *MEMBER_ATTRIBUTES, "ratio_numerator", "ratio_denominator")
NUMBERS = {"weight", "sort", "ratio_scale"}


def members_import(
    *, dimension: Dimension, upload: IO[bytes], filename: str, folder: Path, user: Any
) -> dict[str, int]:
    """Create or update the file's members; columns named like member fields are read, the others become
    attributes. Nothing is saved unless every row is valid. The role is checked before the file is read."""
    role_require(user, dimension.model_id, *BUILDERS, action=f"import members into {dimension.code!r}")
    path = folder / "members-upload"
    with path.open("wb") as out:
        while chunk := upload.read(1 << 20):
            out.write(chunk)
    table = read_table(path, filename=filename, limits=limits())
    try:
        header = [name.strip() for name in table.header]
        lowered = [name.lower() for name in header]
        if "code" not in lowered:
            raise UserError(
                f"{filename} needs a 'code' column (and 'name', 'parent'); its columns: {', '.join(header)}."
            )
        upserts = []
        for index, row in enumerate(table.iter_rows(), start=1):
            line = table.header_line + index
            values: dict[str, Any] = {}
            attributes: dict[str, str] = {}
            for name, key, cell in zip(header, lowered, row, strict=False):
                cell = cell.strip()
                if key in FIELDS and key != "attributes":
                    values[key] = _value(key, cell, line, name)
                elif cell:
                    attributes[name] = cell
            if not values.get("code"):
                raise UserError(f"Line {line}: the member has no code; give every row a code.")
            if attributes:
                values["attributes"] = attributes
            values = {k: v for k, v in values.items() if v != "" or k == "parent"}
            upserts.append(values)
    finally:
        table.discard()
        path.unlink(missing_ok=True)
    with transaction.atomic():
        return structure.members_bulk(dimension=dimension, upserts=upserts, user=user)


def _value(key: str, cell: str, line: int, column: str) -> Any:
    if key == "locked":
        return cell.lower() in {"1", "true", "yes", "x"}
    if key in NUMBERS and cell:
        try:
            return float(cell) if key != "sort" else int(float(cell))
        except ValueError:
            raise UserError(f"Line {line}, column {column!r}: {cell!r} is not a number.") from None
    return cell
