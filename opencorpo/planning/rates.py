"""Exchange rates per version, month and currency (average and closing), quoted against the reporting currency.
Setting them is part of a model's structure: administrators and modellers (docs/security.md)."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction

from opencorpo.accounts.roles import BUILDERS, role_require
from opencorpo.core.audit import audit
from opencorpo.planning.changes import cube_lock, data_version_bump
from opencorpo.planning.errors import InvalidStructure
from opencorpo.planning.models import DimensionKind, FxRate, Member, Model, RateType


def rates_list(*, model: Model, version: str | None = None) -> list[dict[str, Any]]:
    rates = FxRate.objects.filter(model=model).select_related("version", "period")
    if version:
        rates = rates.filter(version__code=version)
    return [
        {
            "version": r.version.code,
            "period": r.period.code,
            "currency": r.currency,
            "rate_type": r.rate_type,
            "rate": r.rate,
        }
        for r in rates
    ]


@transaction.atomic
def rates_set(*, model: Model, rows: list[dict[str, Any]], user: Any = None) -> dict[str, int]:
    """Create or update rates (all or nothing; administrators and modellers, `user` None is the system); every
    cube's data version moves so converted reads refresh."""
    role_require(user, model.pk, *BUILDERS, action="set exchange rates")
    members = {
        (kind, m.code): m
        for kind in (DimensionKind.VERSION, DimensionKind.TIME)
        for m in Member.objects.filter(dimension__model=model, dimension__kind=kind)
    }
    written = 0
    for number, row in enumerate(rows, start=1):
        version = members.get((DimensionKind.VERSION, str(row.get("version"))))
        period = members.get((DimensionKind.TIME, str(row.get("period"))))
        currency, rate_type, rate = row.get("currency"), row.get("rate_type"), row.get("rate")
        problem = (
            f"there is no version {row.get('version')!r}"
            if version is None
            else f"there is no period {row.get('period')!r}"
            if period is None
            else f"{period.code!r} is not a month; give rates per month"
            if period.period_kind != "month"
            else f"{currency!r} is not a three-letter currency code"
            if not (isinstance(currency, str) and len(currency) == 3 and currency.isupper())
            else f"rate type {rate_type!r} is not one of {', '.join(RateType.values)}"
            if rate_type not in RateType.values
            else f"rate {rate!r} is not a positive number"
            if not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0)
            else None
        )
        if problem:
            raise InvalidStructure(f"Rate {number}: {problem}; nothing was saved.")
        FxRate.objects.update_or_create(
            model=model,
            version=version,
            period=period,
            currency=currency,
            rate_type=rate_type,
            defaults={"rate": float(rate)},  # type: ignore[arg-type]
        )
        written += 1
    for cube in model.cubes.all():
        cube_lock(cube.pk)
        data_version_bump(cube.pk)
    audit("rates.set", model.code, {"written": written})
    return {"written": written}
