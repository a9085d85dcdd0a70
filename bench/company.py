"""The bench company's structure (~500 entities, 2,000 accounts, 100 products), built through the structure services."""

from __future__ import annotations

from typing import Any

MODEL_CODE = "bench"
CUBE_CODE = "finance"
CUBE_DIMENSIONS = ["account", "entity", "product", "time", "version"]
EXPECTED_SLOTS = {"account": "m1", "entity": "m2", "product": "m3", "time": "period_id", "version": "version_id"}
FIRST_FISCAL_YEAR = 2022
YEARS = 5
WHAT_IF = ("whatif", "What-if: price increase")
PNL_ROOT = "NI"
BS_ROOT = "BS"
BALANCE_TOTALS = ("TA", "TLE")  # closing balances ("last") shown under the income statement in figure b
Row = dict[str, Any]

REGIONS = [
    ("EU", "Europe", "EUR"),
    ("NA", "North America", "USD"),
    ("LA", "Latin America", "BRL"),
    ("AP", "Asia Pacific", "JPY"),
    ("MEA", "Middle East and Africa", "AED"),
]
DIVISIONS_PER_REGION = 10
ENTITIES_PER_DIVISION = 10
PRODUCT_LINES = 10
PRODUCTS_PER_LINE = 10
PNL_LEAVES = 1_980
# section → (name, account type, weight into NI, [(group, name, weight into section, subgroups)])
PNL: list[tuple[str, str, str, int, list[tuple[str, str, int, int]]]] = [
    ("REV", "Revenue", "revenue", 1, [("REVP", "Product sales", 1, 3), ("REVS", "Services", 1, 3),
                                      ("REVD", "Sales deductions", -1, 2)]),
    ("COGS", "Cost of goods sold", "expense", -1, [("MAT", "Material", 1, 3), ("DLAB", "Direct labour", 1, 3),
                                                   ("MOH", "Manufacturing overhead", 1, 3)]),
    ("OPEX", "Operating expenses", "expense", -1, [
        ("PERS", "Personnel", 1, 3), ("FAC", "Facilities", 1, 3), ("ITC", "IT and communication", 1, 3),
        ("MKT", "Marketing and sales", 1, 3), ("TRV", "Travel", 1, 2), ("PROF", "Professional services", 1, 2),
        ("DEP", "Depreciation", 1, 2), ("RND", "Research and development", 1, 3),
    ]),
    ("OOI", "Other operating income", "revenue", 1, [("GRNT", "Grants", 1, 2), ("OINC", "Other income", 1, 2)]),
    ("FIN", "Financial result", "revenue", 1, [("FINI", "Interest income", 1, 2), ("FINX", "Interest expense", -1, 2)]),
    ("TAX", "Income taxes", "expense", -1, [("CTAX", "Current tax", 1, 2), ("DTAX", "Deferred tax", 1, 2)]),
]  # fmt: skip
# balance group → (name, account type, weight, parent)
BALANCE = [
    ("TA", "Total assets", "asset", 1, BS_ROOT),
    ("TLE", "Total liabilities and equity", "liability", -1, BS_ROOT),
    ("CA", "Current assets", "asset", 1, "TA"),
    ("NCA", "Non-current assets", "asset", 1, "TA"),
    ("LIAB", "Liabilities", "liability", 1, "TLE"),
    ("EQ", "Equity", "equity", 1, "TLE"),
]
BALANCE_LEAVES_PER_GROUP = 5


def account_rows() -> list[Row]:
    """P&L root NI (5 levels, 1,980 leaves, weights -1 on cost sections) and a balance sheet with "last" leaves."""
    rows: list[Row] = [{"code": PNL_ROOT, "name": "Net income", "parent": "", "account_type": "revenue"}]
    subgroups: list[tuple[str, str, str]] = []
    for section, name, account_type, weight, groups in PNL:
        rows.append({"code": section, "name": name, "parent": PNL_ROOT, "account_type": account_type, "weight": weight})
        for group, group_name, group_weight, count in groups:
            group_type = "expense" if group == "FINX" else account_type
            rows.append(
                {
                    "code": group,
                    "name": group_name,
                    "parent": section,
                    "account_type": group_type,
                    "weight": group_weight,
                }
            )
            for number in range(1, count + 1):
                code = f"{group}-{number}"
                rows.append(
                    {"code": code, "name": f"{group_name} {number}", "parent": group, "account_type": group_type}
                )
                subgroups.append((code, f"{group_name} {number}", group_type))
    per_subgroup, extra = divmod(PNL_LEAVES, len(subgroups))
    for index, (subgroup, name, account_type) in enumerate(subgroups):
        count = per_subgroup + (1 if index < extra else 0)
        for number in range(1, count + 1):
            row: Row = {"code": f"{subgroup}-{number:02d}", "name": f"{name}.{number:02d}", "parent": subgroup}
            row["account_type"] = account_type
            if subgroup.startswith(("REVP", "REVS")) and number == count:
                row.update(name=f"{name} returns and allowances", weight=-1, polarity="lower_is_better")
            rows.append(row)
    rows.append({"code": BS_ROOT, "name": "Balance sheet check", "parent": "", "account_type": "asset"})
    for code, name, account_type, weight, parent in BALANCE:
        rows.append({"code": code, "name": name, "parent": parent, "account_type": account_type, "weight": weight})
        if parent != BS_ROOT:
            rows += [
                {
                    "code": f"{code}-{number}",
                    "name": f"{name} {number}",
                    "parent": code,
                    "account_type": account_type,
                    "time_balance": "last",
                }
                for number in range(1, BALANCE_LEAVES_PER_GROUP + 1)
            ]
    return rows


def entity_rows() -> list[Row]:
    """GROUP → 5 regions → 50 divisions → 500 legal entities (the leaves)."""
    rows: list[Row] = [{"code": "GROUP", "name": "Bench Group", "parent": "", "currency": "EUR"}]
    for region, name, currency in REGIONS:
        rows.append({"code": region, "name": name, "parent": "GROUP", "currency": currency})
        for division in range(1, DIVISIONS_PER_REGION + 1):
            division_code = f"{region}-D{division:02d}"
            rows.append({"code": division_code, "name": f"{name} division {division}", "parent": region})
            rows[-1]["currency"] = currency
            rows += [
                {
                    "code": f"{division_code}-E{entity:02d}",
                    "name": f"{name} {division}.{entity} Ltd",
                    "parent": division_code,
                    "currency": currency,
                }
                for entity in range(1, ENTITIES_PER_DIVISION + 1)
            ]
    return rows


def product_rows() -> list[Row]:
    """ALLP → 10 product lines → 100 products."""
    rows: list[Row] = [{"code": "ALLP", "name": "All products", "parent": ""}]
    for line in range(1, PRODUCT_LINES + 1):
        rows.append({"code": f"PL{line:02d}", "name": f"Product line {line}", "parent": "ALLP"})
        rows += [
            {"code": f"P{line:02d}{product:02d}", "name": f"Product {line}.{product}", "parent": f"PL{line:02d}"}
            for product in range(1, PRODUCTS_PER_LINE + 1)
        ]
    return rows


def regions() -> list[str]:
    return [code for code, _, _ in REGIONS]


def fiscal_years() -> list[str]:
    return [f"FY{year}" for year in range(FIRST_FISCAL_YEAR, FIRST_FISCAL_YEAR + YEARS)]


def income_statement_rows() -> list[str]:
    """Figure b's rows: NI, its sections and groups (tree order), then the balance-sheet totals."""
    rows = [PNL_ROOT]
    for section, _, _, _, groups in PNL:
        rows += [section, *(group for group, _, _, _ in groups)]
    return [*rows, *BALANCE_TOTALS]


def company_build() -> tuple[int, int]:
    """Model `bench` and cube `finance` through the real services; returns (model id, cube id)."""
    from django.db import transaction

    from opencorpo.planning import structure
    from opencorpo.planning.models import CubeDimension, DimensionKind

    with transaction.atomic():
        model = structure.model_create(
            code=MODEL_CODE,
            name="Bench Group",
            first_fiscal_year=FIRST_FISCAL_YEAR,
            years=YEARS,
            description="Generated by `opencorpo bench generate`.",
        )
        structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=entity_rows())
        structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=account_rows())
        product = structure.dimension_create(model=model, code="product", name="Product")
        structure.members_bulk(dimension=product, upserts=product_rows())
        cube = structure.cube_create(model=model, code=CUBE_CODE, name="Finance", dimensions=CUBE_DIMENSIONS)
        structure.version_create(model=model, code=WHAT_IF[0], name=WHAT_IF[1], kind="what_if")
        slots = dict(CubeDimension.objects.filter(cube=cube).values_list("dimension__code", "slot"))
    if slots != EXPECTED_SLOTS:
        raise RuntimeError(f"cube_create gave slots {slots}, the bench expects {EXPECTED_SLOTS}")
    return model.pk, cube.pk
