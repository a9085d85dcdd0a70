"""Reads in a reporting currency: leaf facts converted with the version's rates before aggregation, and the
currency translation difference booked on the model's difference account instead of being lost.

* An entity's currency is its own `currency`, else its nearest ancestor's, else the model's reporting currency.
* An account converts at the average rate when it is a flow or an average, at the closing rate when it is a
  balance; `attributes.rate_type` ("average"/"closing") overrides that (e.g. the current-year result, which
  accumulates income at average rates).
* The account whose `attributes.fx` is "translation_difference" (an equity reserve inside the balance-sheet check
  total) receives, per cell, what the mixed rates add to the check total compared with converting every
  balance-sheet account at the closing rate. A local imbalance therefore stays visible and is not hidden.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from opencorpo.engine.accounts import AccountType, TimeBalance, default_time_balance
from opencorpo.engine.cube import Facts
from opencorpo.engine.currency import Rate, RateTable, RateType, convert, rate_type_for, translation_difference
from opencorpo.engine.errors import EngineError
from opencorpo.planning.context import CubeContext, DimensionInfo
from opencorpo.planning.errors import InvalidQuery
from opencorpo.planning.models import DimensionKind, FxRate, Member

TRANSLATION_DIFFERENCE = "translation_difference"


def difference_account(context: CubeContext) -> tuple[int, int] | None:
    """(difference account, balance-sheet check root) when the model books translation differences."""
    account = context.of_kind(DimensionKind.ACCOUNT)
    if account is None:
        return None
    for member in account.members.values():
        if member.attributes.get("fx") == TRANSLATION_DIFFERENCE:
            ancestors = account.hierarchy.ancestors(member.pk)
            return member.pk, ancestors[-1] if ancestors else member.pk
    return None


def facts_in_currency(context: CubeContext, facts: Facts, currency: str) -> Facts:
    """Leaf facts converted to `currency`, plus translation-difference facts (see the module docstring)."""
    infos = {kind: context.of_kind(kind) for kind in (DimensionKind.ENTITY, DimensionKind.ACCOUNT, DimensionKind.TIME)}
    version = context.of_kind(DimensionKind.VERSION)
    if any(info is None for info in infos.values()) or version is None:
        raise InvalidQuery("Currency conversion needs a cube with entities, accounts, time and versions.")
    entity, account, time = (cast(DimensionInfo, infos[k]) for k in infos)
    axis = {info.dimension.pk: i for i, info in enumerate(context.dimensions)}
    entity_axis, account_axis, period_axis = (axis[i.dimension.pk] for i in (entity, account, time))
    version_axis = axis[version.dimension.pk]
    reporting = context.cube.model.reporting_currency
    currency_of = {leaf: _currency(entity, leaf, reporting) for leaf in entity.hierarchy.leaves()}
    rate_type_of = {leaf: _rate_type(account.members[leaf]) for leaf in account.hierarchy.leaves()}
    difference = difference_account(context)
    parts_coords, parts_values = [], []
    for version_id in np.unique(facts.coords[:, version_axis]).tolist():
        mask = facts.coords[:, version_axis] == version_id
        subset = Facts(coords=facts.coords[mask], values=facts.values[mask])
        rates = [
            Rate(r.currency, r.period_id, r.rate_type, r.rate)  # type: ignore[arg-type]
            for r in FxRate.objects.filter(model_id=context.cube.model_id, version_id=version_id)
        ]
        try:
            table = RateTable(reporting, rates)
            options = {"entity_axis": entity_axis, "period_axis": period_axis, "account_axis": account_axis}
            converted = convert(
                subset, currency_of=currency_of, rate_type_of=rate_type_of, table=table, target=currency, **options
            )
            parts_coords.append(converted.coords)
            parts_values.append(converted.values)
            if difference is not None:
                weights = account.hierarchy.leaf_weights(difference[1])
                closing: dict[int, RateType] = dict.fromkeys(rate_type_of, "closing")
                at_closing = convert(
                    subset, currency_of=currency_of, rate_type_of=closing, table=table, target=currency, **options
                )
                for facts_part, sign in ((converted, 1.0), (at_closing, -1.0)):
                    booked = translation_difference(
                        facts_part, account_axis=account_axis, balance_weights=weights, difference_account=difference[0]
                    )
                    parts_coords.append(booked.coords)
                    parts_values.append(sign * booked.values)
        except EngineError as error:
            code = version.members[version_id].code
            raise InvalidQuery(f"Version {code!r}: {error.message}") from None
    if not parts_coords:
        return facts
    return Facts(coords=np.concatenate(parts_coords), values=np.concatenate(parts_values))


def _currency(entity: DimensionInfo, leaf: int, reporting: str) -> str:
    for member_id in (leaf, *entity.hierarchy.ancestors(leaf)):
        if entity.members[member_id].currency:
            return entity.members[member_id].currency
    return reporting


def _rate_type(member: Member) -> RateType:
    override = member.attributes.get("rate_type")
    if override in ("average", "closing"):
        return cast(RateType, override)
    balance = member.time_balance or (
        default_time_balance(cast(AccountType, member.account_type)) if member.account_type else "flow"
    )
    return rate_type_for(cast(TimeBalance, balance))
