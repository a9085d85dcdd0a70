"""The demo company's structure: chart of accounts (~200), entities in three regions, product lines."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def _group(code: str, name: str, parent: str | None, **values: Any) -> Row:
    return {"code": code, "name": name, "parent": parent or "", **values}


def _detail(prefix: int, names: list[str], parent: str, account_type: str, **values: Any) -> list[Row]:
    return [
        {"code": str(prefix + 10 * i), "name": name, "parent": parent, "account_type": account_type, **values}
        for i, name in enumerate(names)
    ]


MATERIALS = [
    "Steel",
    "Cast iron",
    "Aluminium",
    "Copper",
    "Electronics",
    "Seals and gaskets",
    "Bearings",
    "Motors",
    "Packaging",
    "Paint and coating",
]
PERSONNEL = [
    "Salaries",
    "Wages",
    "Overtime",
    "Bonuses",
    "Social security",
    "Pensions",
    "Health insurance",
    "Training",
    "Recruiting",
    "Temporary staff",
    "Company cars",
    "Other personnel costs",
]


def accounts() -> list[Row]:
    """Income statement, balance sheet and statistics; expenses are stored positive and subtracted by weight −1."""
    rows: list[Row] = [
        _group("NI", "Net income", None, account_type="revenue"),
        _group("EBIT", "Operating result (EBIT)", "NI", account_type="revenue"),
        _group("GP", "Gross profit", "EBIT", account_type="revenue"),
        _group("REV", "Revenue", "GP", account_type="revenue"),
        _group("COGS", "Cost of goods sold", "GP", account_type="expense", weight=-1),
        _group("MAT", "Material costs", "COGS", account_type="expense"),
        _group("DLAB", "Direct labour", "COGS", account_type="expense"),
        _group("MOH", "Manufacturing overhead", "COGS", account_type="expense"),
        _group("OPEX", "Operating expenses", "EBIT", account_type="expense", weight=-1),
        _group("PERS", "Personnel expenses", "OPEX", account_type="expense"),
        _group("FAC", "Facilities", "OPEX", account_type="expense"),
        _group("ITC", "IT and communication", "OPEX", account_type="expense"),
        _group("MKT", "Marketing and sales", "OPEX", account_type="expense"),
        _group("TRV", "Travel", "OPEX", account_type="expense"),
        _group("PROF", "Professional services", "OPEX", account_type="expense"),
        _group("DEP", "Depreciation and amortisation", "OPEX", account_type="expense"),
        _group("OTH", "Other operating expenses", "OPEX", account_type="expense"),
        _group("RND", "Research and development", "OPEX", account_type="expense"),
        _group("ALLOC", "Cost allocations", "OPEX", account_type="expense"),
        _group("OOI", "Other operating income", "EBIT", account_type="revenue"),
        _group("FIN", "Financial result", "NI", account_type="revenue"),
        _group("TAXG", "Income taxes", "NI", account_type="expense", weight=-1),
    ]
    rows += _detail(
        4000,
        [
            "Product sales domestic",
            "Product sales export",
            "Service revenue",
            "Spare parts revenue",
            "Licence revenue",
            "Installation revenue",
            "Maintenance contracts",
            "Rental revenue",
        ],
        "REV",
        "revenue",
    )
    rows += [
        {
            "code": "4900",
            "name": "Sales discounts and rebates",
            "parent": "REV",
            "account_type": "revenue",
            "weight": -1,
            "polarity": "lower_is_better",
        }
    ]
    rows += _detail(5000, MATERIALS, "MAT", "expense")
    rows.append({"code": "5095", "name": "Standard cost of units sold", "parent": "MAT", "account_type": "expense"})
    rows += _detail(
        5200, ["Production wages", "Production overtime", "Shift allowances", "Production bonuses"], "DLAB", "expense"
    )
    rows += _detail(
        5300,
        [
            "Energy",
            "Maintenance and repairs",
            "Tools and consumables",
            "Quality control",
            "Freight in",
            "Warehouse",
            "Scrap",
            "Plant depreciation",
        ],
        "MOH",
        "expense",
    )
    rows += _detail(6000, PERSONNEL, "PERS", "expense")
    rows += [
        {"code": "6991", "name": "IT costs allocated in", "parent": "ALLOC", "account_type": "expense"},
        {"code": "6992", "name": "IT costs charged out", "parent": "ALLOC", "account_type": "expense"},
    ]
    rows += _detail(
        6200, ["Rent", "Utilities", "Cleaning", "Security", "Building maintenance", "Insurance"], "FAC", "expense"
    )
    rows += _detail(
        6300, ["Software licences", "Cloud services", "Hardware", "Telecommunications", "IT support"], "ITC", "expense"
    )
    rows += _detail(
        6400,
        ["Advertising", "Trade fairs", "Sales commissions", "Customer events", "Market research", "Freight out"],
        "MKT",
        "expense",
    )
    rows += _detail(6500, ["Travel domestic", "Travel international", "Accommodation", "Meals"], "TRV", "expense")
    rows += _detail(6600, ["Audit fees", "Legal fees", "Consulting", "Tax advice"], "PROF", "expense")
    rows += _detail(
        6700,
        ["Depreciation buildings", "Depreciation machinery", "Depreciation IT", "Amortisation intangibles"],
        "DEP",
        "expense",
    )
    rows += _detail(
        6800, ["Bank charges", "Office supplies", "Subscriptions", "Bad debts", "Miscellaneous"], "OTH", "expense"
    )
    rows += _detail(
        6900,
        [
            "R&D salaries",
            "Prototypes",
            "Testing and certification",
            "External research",
            "Patent costs",
            "R&D materials",
            "R&D equipment",
            "R&D travel",
        ],
        "RND",
        "expense",
    )
    rows += _detail(
        4500,
        ["Government grants", "Insurance refunds", "Gains on asset disposals", "Rental income", "Other income"],
        "OOI",
        "revenue",
    )
    rows += _detail(
        5400, ["Subcontracting", "Outsourced machining", "Outsourced assembly", "Outsourced testing"], "MOH", "expense"
    )
    rows += [
        {"code": "7000", "name": "Interest income", "parent": "FIN", "account_type": "revenue"},
        {"code": "7100", "name": "Interest expense", "parent": "FIN", "account_type": "expense", "weight": -1},
        {"code": "7200", "name": "Exchange gains and losses", "parent": "FIN", "account_type": "revenue"},
        {"code": "8000", "name": "Current income tax", "parent": "TAXG", "account_type": "expense"},
        {"code": "8100", "name": "Deferred tax", "parent": "TAXG", "account_type": "expense"},
    ]
    rows += balance_sheet()
    for row in rows:  # amounts in whole currency units, like the statements they feed
        row.setdefault("number_format", "#,##0")
    rows += statistics()
    return rows


def balance_sheet() -> list[Row]:
    rows = [
        _group("BS", "Balance sheet check", None, account_type="asset"),
        _group("TA", "Total assets", "BS", account_type="asset"),
        _group("CA", "Current assets", "TA", account_type="asset"),
        _group("NCA", "Non-current assets", "TA", account_type="asset"),
        _group("TLE", "Total liabilities and equity", "BS", account_type="liability", weight=-1),
        _group("LIAB", "Liabilities", "TLE", account_type="liability"),
        _group("EQ", "Equity", "TLE", account_type="equity"),
    ]
    rows += _detail(1000, ["Cash at bank", "Petty cash", "Short-term deposits"], "CA", "asset")
    rows += _detail(1100, ["Trade receivables", "Other receivables", "Allowance for bad debts"], "CA", "asset")
    rows += _detail(1200, ["Raw materials", "Work in progress", "Finished goods", "Spare parts stock"], "CA", "asset")
    rows += _detail(1300, ["Prepaid expenses", "VAT receivable"], "CA", "asset")
    rows += _detail(1500, ["Land", "Buildings", "Machinery", "Vehicles", "IT equipment"], "NCA", "asset")
    rows += [
        {"code": "1590", "name": "Accumulated depreciation", "parent": "NCA", "account_type": "asset", "weight": -1}
    ]
    rows += _detail(1600, ["Software", "Patents", "Goodwill"], "NCA", "asset")
    rows += _detail(2000, ["Trade payables", "Other payables", "VAT payable"], "LIAB", "liability")
    rows += _detail(
        2100, ["Accrued salaries", "Accrued bonuses", "Accrued expenses", "Provisions"], "LIAB", "liability"
    )
    rows += _detail(2500, ["Bank loans", "Leases", "Shareholder loans"], "LIAB", "liability")
    rows += _detail(
        2200,
        [
            "Income tax payable",
            "Deferred tax liabilities",
            "Deferred income",
            "Customer advances",
            "Warranty provisions",
            "Pension provisions",
        ],
        "LIAB",
        "liability",
    )
    rows += _detail(1400, ["Deferred tax assets", "Financial investments", "Long-term receivables"], "NCA", "asset")
    rows += _detail(
        3000, ["Share capital", "Capital reserves", "Retained earnings", "Current year result"], "EQ", "equity"
    )
    rows[-1]["attributes"] = {"rate_type": "average"}  # the year's result accumulates at average rates
    rows.append(
        {
            "code": "3040",
            "name": "Currency translation reserve",
            "parent": "EQ",
            "account_type": "equity",
            "attributes": {"fx": "translation_difference"},  # booked by reads in a reporting currency
        }
    )
    return rows


def statistics() -> list[Row]:
    return [
        _group("STAT", "Statistics and ratios", None, account_type="statistical"),
        {
            "code": "HC",
            "name": "Headcount (FTE)",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "last",
            "polarity": "neutral",
            "number_format": "0.0",
        },
        {
            "code": "SQM",
            "name": "Floor space (m²)",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "last",
            "polarity": "neutral",
            "number_format": "#,##0",
        },
        {
            "code": "MHRS",
            "name": "Machine hours",
            "parent": "STAT",
            "account_type": "statistical",
            "polarity": "higher_is_better",
            "number_format": "#,##0",
        },
        {
            "code": "ORDERS",
            "name": "Orders received",
            "parent": "STAT",
            "account_type": "statistical",
            "polarity": "higher_is_better",
            "number_format": "#,##0",
        },
        {
            "code": "CUST",
            "name": "Active customers",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "last",
            "polarity": "higher_is_better",
            "number_format": "#,##0",
        },
        {
            "code": "HC_AVG",
            "name": "Average headcount (FTE)",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "average",
            "polarity": "neutral",
            "number_format": "0.0",
        },
        {
            "code": "UNITS",
            "name": "Units produced",
            "parent": "STAT",
            "account_type": "statistical",
            "polarity": "higher_is_better",
            "number_format": "#,##0",
        },
        {
            "code": "SUNITS",
            "name": "Units sold",
            "parent": "STAT",
            "account_type": "statistical",
            "polarity": "higher_is_better",
            "number_format": "#,##0",
        },
        {
            "code": "PRICE",
            "name": "Average price per unit",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "average",
            "polarity": "higher_is_better",
            "number_format": "#,##0.00",
        },
        {
            "code": "STDCOST",
            "name": "Standard cost per unit",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "average",
            "polarity": "lower_is_better",
            "number_format": "#,##0.00",
        },
        {
            "code": "AVGSAL",
            "name": "Average salary per FTE",
            "parent": "STAT",
            "account_type": "statistical",
            "time_balance": "average",
            "polarity": "lower_is_better",
            "number_format": "#,##0",
        },
        {
            "code": "GM_PCT",
            "name": "Gross margin %",
            "parent": "STAT",
            "account_type": "statistical",
            "ratio_numerator": "GP",
            "ratio_denominator": "REV",
            "ratio_scale": 100,  # stored as percent points: shown with one decimal, not Excel's ×100 "%" format
            "polarity": "higher_is_better",
            "number_format": "0.0",
        },
        {
            "code": "EBIT_PCT",
            "name": "EBIT margin %",
            "parent": "STAT",
            "account_type": "statistical",
            "ratio_numerator": "EBIT",
            "ratio_denominator": "REV",
            "ratio_scale": 100,  # stored as percent points: shown with one decimal, not Excel's ×100 "%" format
            "polarity": "higher_is_better",
            "number_format": "0.0",
        },
        {
            "code": "OPEX_HC",
            "name": "Operating expenses per FTE",
            "parent": "STAT",
            "account_type": "statistical",
            "ratio_numerator": "OPEX",
            "ratio_denominator": "HC",
            "polarity": "lower_is_better",
        },
    ]


# (code, name, region, currency, departments)
SITES = [
    ("DE-STU", "Stuttgart plant", "EU", "EUR", ["PROD", "MAINT", "ADMIN"]),
    ("FR-LYO", "Lyon plant", "EU", "EUR", ["PROD", "MAINT", "ADMIN"]),
    ("EU-SLS", "Sales Europe", "EU", "EUR", ["SALES", "MKTG"]),
    ("EU-HQ", "Headquarters", "EU", "EUR", ["FIN", "HR", "IT"]),
    ("US-OHI", "Ohio plant", "AM", "USD", ["PROD", "MAINT", "ADMIN"]),
    ("US-SLS", "Sales Americas", "AM", "USD", ["SALES", "MKTG"]),
    ("UK-LEE", "Leeds plant", "UK", "GBP", ["PROD", "MAINT", "ADMIN"]),
    ("UK-SLS", "Sales UK", "UK", "GBP", ["SALES"]),
]
DEPARTMENTS = {
    "PROD": "Production",
    "MAINT": "Maintenance",
    "ADMIN": "Plant administration",
    "SALES": "Sales",
    "MKTG": "Marketing",
    "FIN": "Finance",
    "HR": "Human resources",
    "IT": "IT",
}
REGIONS = [("EU", "Europe", "EUR"), ("AM", "Americas", "USD"), ("UK", "United Kingdom", "GBP")]


def entities() -> list[Row]:
    rows: list[Row] = [{"code": "GROUP", "name": "Acme Pumps Group", "parent": "", "currency": "EUR"}]
    rows += [{"code": code, "name": name, "parent": "GROUP", "currency": cur} for code, name, cur in REGIONS]
    for code, name, region, currency, departments in SITES:
        rows.append({"code": code, "name": name, "parent": region, "currency": currency})
        rows += [
            {
                "code": f"{code}-{dept}",
                "name": f"{name} – {DEPARTMENTS[dept]}",
                "parent": code,
                "currency": currency,
                "attributes": {"department": dept, "site": code},
            }
            for dept in departments
        ]
    return rows


PRODUCT_LINES = [
    ("P-PUMP", "Pumps"),
    ("P-VALV", "Valves"),
    ("P-COMP", "Compressors"),
    ("P-SPAR", "Spare parts"),
    ("P-SERV", "Services"),
]


def products() -> list[Row]:
    rows: list[Row] = [{"code": "ALLP", "name": "All products", "parent": ""}]
    rows += [{"code": code, "name": name, "parent": "ALLP"} for code, name in PRODUCT_LINES]
    rows.append({"code": "P-NONE", "name": "No product", "parent": "ALLP"})
    return rows


FORMULAS = {  # driver-based line items: calculated from the statistics above, never entered
    "4000": "SUNITS * PRICE",
    "5095": "SUNITS * STDCOST",
    "6000": "HC * AVGSAL",
}
