"""The references for the grid figures: DuckDB on a native table of the raw facts, and naive PostgreSQL SQL."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

BALANCES = ("flow", "first", "last", "average")
STOCKS = {"asset", "liability", "equity"}  # ADR 4: balance-sheet accounts default to their closing value ("last")
SESSION_JIT = "off"  # the PostgreSQL reference's session setting (reported with the results)
SLOT = re.compile(r"^(m[1-6]|version_id|period_id)$")
Key = tuple[str, str, str]  # (account code, version code, period code)
Answer = dict[Key, float]  # NaN: no fact reaches the cell


@dataclass(frozen=True)
class Question:
    """Accounts on rows; versions × periods on columns; one entity and one product (any level) as filters."""

    accounts: tuple[str, ...]
    versions: tuple[str, ...]
    periods: tuple[str, ...]
    entity: str
    product: str

    def cells(self) -> list[Key]:
        return [(a, v, p) for a in self.accounts for v in self.versions for p in self.periods]


@dataclass
class Member:
    id: int
    code: str
    parent: int | None
    weight: float
    account_type: str
    time_balance: str
    start: Any
    ratio: bool


class Tree:
    """One dimension's members from planning_member, walked here (not with the engine) for the references."""

    def __init__(self, members: list[Member]) -> None:
        self.by_id = {m.id: m for m in members}
        self.by_code = {m.code: m for m in members}
        self.children: dict[int, list[int]] = {m.id: [] for m in members}
        for m in members:
            if m.parent is not None:
                self.children[m.parent].append(m.id)
        self.roots = [m.id for m in members if m.parent is None]

    def leaf_weights(self, code: str) -> dict[int, float]:
        """Leaves under `code` with the product of weights from the leaf up to (not including) `code`."""
        out: dict[int, float] = {}
        stack = [(self.by_code[code].id, 1.0)]
        while stack:
            member_id, weight = stack.pop()
            kids = self.children[member_id]
            if not kids:
                out[member_id] = weight
            stack += [(kid, weight * self.by_id[kid].weight) for kid in kids]
        return out

    def is_everything(self, code: str) -> bool:
        """The single root of a dimension whose weights are all 1: as a filter it keeps every fact."""
        return self.roots == [self.by_code[code].id] and all(m.weight == 1 for m in self.by_id.values())

    def balance(self, leaf: int) -> str:
        member = self.by_id[leaf]
        return member.time_balance or ("last" if member.account_type in STOCKS else "flow")

    def months(self, code: str) -> list[int]:
        """Leaf periods under `code`, in calendar order."""
        return sorted(self.leaf_weights(code), key=lambda leaf: self.by_id[leaf].start)

    def code(self, member_id: int) -> str:
        return self.by_id[member_id].code


def load_trees(pg: Any, model_code: str) -> dict[str, Tree]:
    rows = pg.execute(
        """SELECT d.code, m.id, m.code, m.parent_id, m.weight, m.account_type, m.time_balance, m.start_date,
                  m.ratio_numerator_id IS NOT NULL
           FROM planning_member m JOIN planning_dimension d ON d.id = m.dimension_id
           JOIN planning_model mo ON mo.id = d.model_id WHERE mo.code = %s ORDER BY m.id""",
        [model_code],
    ).fetchall()
    grouped: dict[str, list[Member]] = {}
    for dimension, *fields in rows:
        grouped.setdefault(dimension, []).append(Member(*fields))
    return {dimension: Tree(members) for dimension, members in grouped.items()}


def time_weights(trees: Mapping[str, Tree], period: str) -> dict[str, list[tuple[int, float]]]:
    """Per time balance, the leaf months (with weights) that make up `period` (ADR 4's aggregation rules)."""
    months = trees["time"].months(period)
    return {
        "flow": [(m, 1.0) for m in months],
        "first": [(months[0], 1.0)],
        "last": [(months[-1], 1.0)],
        "average": [(m, 1.0 / len(months)) for m in months],
    }


def close(a: float, b: float, relative: float = 1e-6) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= relative * max(abs(a), abs(b), 1.0)


def disagreements(question: Question, answers: Mapping[str, Answer], limit: int = 5) -> list[str]:
    """Cells where the answers differ by more than 1e-6 relative (or one is empty); cells outside the question."""
    found: list[str] = []
    expected = set(question.cells())
    for name, answer in answers.items():
        extra = sorted(set(answer) - expected)
        if extra:
            found.append(f"{name} answers cells that were not asked for, e.g. {extra[0]}")
    for key in question.cells():
        values = {name: answer.get(key, math.nan) for name, answer in answers.items()}
        first = next(iter(values.values()))
        if not all(close(first, value) for value in values.values()):
            found.append(f"{'/'.join(key)}: " + ", ".join(f"{n} {v!r}" for n, v in values.items()))
        if len(found) >= limit:
            break
    return found


def grid_answer(response: Mapping[str, Any]) -> Answer:
    """OpenCorpo's grid response as (account, version, period) → value, whatever sits on rows, columns or filters."""
    fixed = {dimension: header["code"] for dimension, header in response["filters"].items()}
    rows, columns = response["rows"], response["columns"]
    answer: Answer = {}
    for r, row_headers in enumerate(rows["headers"]):
        for c, column_headers in enumerate(columns["headers"]):
            codes = dict(fixed)
            codes |= {d: h["code"] for d, h in zip(rows["dimensions"], row_headers, strict=True)}
            codes |= {d: h["code"] for d, h in zip(columns["dimensions"], column_headers, strict=True)}
            value = response["values"][r][c]
            answer[(codes["account"], codes["version"], codes["time"])] = math.nan if value is None else float(value)
    return answer


def _map_columns(rows: list[tuple[int, int, float, int]]) -> dict[str, Any]:
    leaf, out, weight, balance = zip(*rows, strict=True)
    return {
        "leaf": np.array(leaf, np.int32),
        "out": np.array(out, np.int32),
        "w": np.array(weight, np.float64),
        "bal": np.array(balance, np.int8),
    }


class DuckDBReference:
    """The raw facts in a native in-memory DuckDB table (2 threads); hierarchy maps prepared before timing."""

    def __init__(self, pg: Any, cube_id: int, trees: Mapping[str, Tree], slots: Mapping[str, str]) -> None:
        import duckdb

        started = time.perf_counter()
        self.trees = trees
        columns = [slots[d] for d in ("version", "time", "account", "entity", "product")]
        if not all(SLOT.match(column) for column in columns):
            raise ValueError(f"unexpected fact slots {columns}")
        buffer = bytearray()
        with pg.cursor().copy(
            f"COPY (SELECT {', '.join(columns)}, value FROM planning_fact WHERE cube_id = {int(cube_id)}) "
            "TO STDOUT (FORMAT BINARY)"
        ) as copy:
            for data in copy:
                buffer += data
        fields = [("n", ">i2")] + [
            x for i in range(6) for x in ((f"l{i}", ">i4"), (f"v{i}", ">f8" if i == 5 else ">i8"))
        ]
        row = np.dtype(fields)
        count = (len(buffer) - 19 - 2) // row.itemsize
        if 19 + count * row.itemsize + 2 != len(buffer):
            raise ValueError("unexpected binary COPY layout")
        raw = np.frombuffer(buffer, dtype=row, count=count, offset=19)
        arrays = {name: raw[f"v{i}"].astype(np.int32) for i, name in enumerate(("v", "p", "a", "e", "pr"))}
        arrays["value"] = raw["v5"].astype(np.float64)
        del raw, buffer
        self.con = duckdb.connect()
        self.con.execute("SET threads = 2")
        self.con.execute("CREATE TABLE facts AS SELECT * FROM arrays")
        self.rows = int(self.con.execute("SELECT count(*) FROM facts").fetchone()[0])  # type: ignore[index]
        self.load_seconds = time.perf_counter() - started

    def _table(self, name: str, columns: dict[str, Any]) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM columns")

    def _member_map(self, name: str, dimension: str, code: str, column: str) -> tuple[str, str, str]:
        """(join, condition, weight factor) for a filter member: nothing, a semi-join, or a weighted join."""
        tree = self.trees[dimension]
        if tree.is_everything(code):
            return "", "", ""
        weights = tree.leaf_weights(code)
        self._table(name, {"leaf": np.array(list(weights), np.int32), "w": np.array(list(weights.values()))})
        if all(w == 1 for w in weights.values()):
            return "", f" AND f.{column} IN (SELECT leaf FROM {name})", ""
        return f" JOIN {name} ON f.{column} = {name}.leaf", "", f" * {name}.w"

    def prepare(self, q: Question) -> str:
        """Create the maps of one question as tables and return the timed query."""
        accounts = self.trees["account"]
        rows: list[tuple[int, int, float, int]] = []  # (leaf, output position, weight, time balance)
        for index, code in enumerate(q.accounts):
            if accounts.by_code[code].ratio:
                raise ValueError("the references do not compute ratio accounts")
            rows += [
                (member_id, index, w, BALANCES.index(accounts.balance(member_id)))
                for member_id, w in accounts.leaf_weights(code).items()
            ]
        self._table("m_acc", _map_columns(rows))
        rows = [
            (member_id, index, w, BALANCES.index(name))
            for index, period in enumerate(q.periods)
            for name, pairs in time_weights(self.trees, period).items()
            for member_id, w in pairs
        ]
        self._table("m_time", _map_columns(rows))
        versions = [self.trees["version"].by_code[code].id for code in q.versions]
        self._table("m_ver", {"leaf": np.array(versions, np.int32), "out": np.arange(len(versions), dtype=np.int32)})
        entity = self._member_map("m_ent", "entity", q.entity, "e")
        product = self._member_map("m_prod", "product", q.product, "pr")
        return (
            "SELECT a.out, v.out, t.out, sum(f.value * a.w * t.w" + entity[2] + product[2] + ") FROM facts f"
            " JOIN m_acc a ON f.a = a.leaf JOIN m_time t ON f.p = t.leaf AND t.bal = a.bal"
            " JOIN m_ver v ON f.v = v.leaf" + entity[0] + product[0] + " WHERE true" + entity[1] + product[1] +
            " GROUP BY ALL"
        )  # fmt: skip

    def answer(self, q: Question, sql: str) -> Answer:
        rows = self.con.execute(sql).fetchall()
        return {(q.accounts[a], q.versions[v], q.periods[p]): float(s) for a, v, p, s in rows}


PG_SQL = """
WITH RECURSIVE
acc (out_code, id, w, balance, account_type) AS (
    SELECT m.code, m.id, 1.0::float8, m.time_balance, m.account_type FROM planning_member m
    WHERE m.dimension_id = %(account_dim)s AND m.code = ANY(%(accounts)s)
  UNION ALL
    SELECT a.out_code, c.id, a.w * c.weight, c.time_balance, c.account_type
    FROM acc a JOIN planning_member c ON c.parent_id = a.id
),
per (out_code, id, start_date) AS (
    SELECT m.code, m.id, m.start_date FROM planning_member m
    WHERE m.dimension_id = %(time_dim)s AND m.code = ANY(%(periods)s)
  UNION ALL
    SELECT p.out_code, c.id, c.start_date FROM per p JOIN planning_member c ON c.parent_id = p.id
),
months AS (
    SELECT p.out_code, p.id, p.start_date = min(p.start_date) OVER w AS is_first,
           p.start_date = max(p.start_date) OVER w AS is_last, count(*) OVER w AS n
    FROM per p WHERE NOT EXISTS (SELECT 1 FROM planning_member k WHERE k.parent_id = p.id)
    WINDOW w AS (PARTITION BY p.out_code)
){filter_ctes},
cells AS (
    SELECT a.out_code AS account, f.version_id, mo.out_code AS period, f.value * a.w{filter_weights} *
           CASE coalesce(nullif(a.balance, ''),
                         CASE WHEN a.account_type IN ('asset', 'liability', 'equity') THEN 'last' ELSE 'flow' END)
               WHEN 'flow' THEN 1.0::float8 WHEN 'average' THEN 1.0::float8 / mo.n
               WHEN 'first' THEN CASE WHEN mo.is_first THEN 1.0::float8 END
               WHEN 'last' THEN CASE WHEN mo.is_last THEN 1.0::float8 END END AS value
    FROM planning_fact f
    JOIN acc a ON a.id = f.{account}
    JOIN months mo ON mo.id = f.period_id{filter_joins}
    WHERE f.cube_id = %(cube)s AND f.version_id = ANY(%(versions)s)
)
SELECT account, version_id, period, sum(value) FROM cells WHERE value IS NOT NULL GROUP BY 1, 2, 3
"""
FILTER_CTE = """,
{name} (id, w) AS (
    SELECT m.id, 1.0::float8 FROM planning_member m WHERE m.dimension_id = %({name}_dim)s AND m.code = %({name})s
  UNION ALL
    SELECT c.id, t.w * c.weight FROM {name} t JOIN planning_member c ON c.parent_id = t.id
)"""


class PostgresReference:
    """One GROUP BY over planning_fact with recursive-CTE hierarchy joins, as a straightforward app would write it.

    Facts sit on leaves only, so the facts join every member of a subtree (no leaf test, which ruins the row
    estimates), and the time balance of each account becomes a weight (NULL: the month does not count).
    """

    def __init__(self, pg: Any, cube_id: int, trees: Mapping[str, Tree], slots: Mapping[str, str]) -> None:
        self.pg, self.cube_id, self.trees, self.slots = pg, cube_id, trees, slots
        # The stronger baseline: with this server's default jit=on, compiling took ~2 s of a 2.6 s query at 1M facts.
        pg.execute(f"SET jit = {SESSION_JIT}")
        if not all(SLOT.match(slot) for slot in slots.values()):
            raise ValueError(f"unexpected fact slots {slots}")
        rows = pg.execute(
            "SELECT d.code, d.id FROM planning_dimension d JOIN planning_cubedimension c ON c.dimension_id = d.id "
            "WHERE c.cube_id = %s",
            [cube_id],
        ).fetchall()
        self.dimension_ids = dict(rows)

    def prepare(self, q: Question) -> tuple[str, dict[str, Any]]:
        """The SQL and parameters; an "all" filter (a single root with unit weights) is left out, as an app would."""
        params: dict[str, Any] = {"cube": self.cube_id, "accounts": list(q.accounts), "periods": list(q.periods)}
        params |= {"account_dim": self.dimension_ids["account"], "time_dim": self.dimension_ids["time"]}
        params["versions"] = [self.trees["version"].by_code[code].id for code in q.versions]
        ctes, weights, joins = "", "", ""
        for name, code in (("entity", q.entity), ("product", q.product)):
            if self.trees[name].is_everything(code):
                continue
            params |= {f"{name}_dim": self.dimension_ids[name], name: code}
            ctes += FILTER_CTE.format(name=name)
            weights += f" * {name}.w"
            joins += f"\nJOIN {name} ON {name}.id = f.{self.slots[name]}"
        sql = PG_SQL.format(filter_ctes=ctes, filter_weights=weights, filter_joins=joins, account=self.slots["account"])
        return sql, params

    def answer(self, sql: str, params: dict[str, Any]) -> Answer:
        rows = self.pg.execute(sql, params).fetchall()
        version = self.trees["version"]
        return {(a, version.code(v), p): float(s) for a, v, p, s in rows}
