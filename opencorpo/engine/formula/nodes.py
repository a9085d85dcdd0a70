"""The formula syntax tree (frozen dataclasses with their character spans), the function table and `render`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

IDENTIFIER = re.compile(r"[^\W\d]\w*")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Pin:
    """`dimension: member` pins the dimension to a member code; `dimension: @attribute` pins it to the member
    whose code is the value of `attribute` on the current cell's member of that dimension (a lookup)."""

    dimension: str
    member: str | None = None
    attribute: str | None = None

    def __post_init__(self) -> None:
        if (self.member is None) == (self.attribute is None):
            raise ValueError(f"Pin of dimension {self.dimension!r} needs exactly one of member and attribute.")

    @property
    def text(self) -> str:
        value = f"@{_code_text(self.attribute)}" if self.attribute is not None else _code_text(self.member or "")
        return f"{_code_text(self.dimension)}:{value}"


@dataclass(frozen=True)
class Ref:
    """A reference to a line item, maybe of another cube and with pins; `start:end` is its span in the text."""

    cube: str | None
    item: str
    pins: tuple[Pin, ...] = ()
    start: int = 0
    end: int = 0

    @property
    def key(self) -> str:
        """Canonical text identifying what is read, e.g. `Units`, `staffing!FTE`, `Price{product:@family}`;
        pins are sorted by dimension, so their order in the formula does not matter."""
        text = _name_text(self.item) if self.cube is None else f"{_name_text(self.cube)}!{_name_text(self.item)}"
        if self.pins:
            text += "{" + ",".join(pin.text for pin in sorted(self.pins, key=lambda pin: pin.dimension)) + "}"
        return text


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "+"
    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / ^ = <> < <= > >=
    left: Node
    right: Node
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    name: str  # upper case, one of FUNCTIONS
    args: tuple[Node, ...]
    start: int
    end: int


Node: TypeAlias = Number | Ref | Unary | Binary | Call


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, the distinct references in order of first use, the tree and whether any
    time function (PREV, LAG, YTD, CUMUL, MOVAVG) is used."""

    text: str
    refs: tuple[Ref, ...]
    root: Node
    uses_time: bool


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: any number from min_args
    usage: str
    time: bool = False


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec("IF", 3, 3, "IF(condition, value_if_true, value_if_false)"),
        FunctionSpec("AND", 1, None, "AND(condition, condition, ...)"),
        FunctionSpec("OR", 1, None, "OR(condition, condition, ...)"),
        FunctionSpec("NOT", 1, 1, "NOT(condition)"),
        FunctionSpec("MIN", 1, None, "MIN(value, value, ...)"),
        FunctionSpec("MAX", 1, None, "MAX(value, value, ...)"),
        FunctionSpec("ABS", 1, 1, "ABS(value)"),
        FunctionSpec("ROUND", 1, 2, "ROUND(value) or ROUND(value, digits)"),
        FunctionSpec("PREV", 1, 1, "PREV(value)", time=True),
        FunctionSpec("LAG", 2, 2, "LAG(value, periods)", time=True),
        FunctionSpec("YTD", 1, 1, "YTD(value)", time=True),
        FunctionSpec("CUMUL", 1, 1, "CUMUL(value)", time=True),
        FunctionSpec("MOVAVG", 2, 2, "MOVAVG(value, periods)", time=True),
    )
}


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, children before their parent, left to right (so references in text order);
    iterative, so a long chain like a + b + c + ... never hits the recursion limit."""
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            yield current
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(children(current)))


# Binding strength: comparison < additive < multiplicative < unary < power < operand.
PRECEDENCE = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 5}
UNARY_PRECEDENCE = 4
_OPERAND = 6


def render(formula: Formula | Node) -> str:
    """Canonical text of a formula: upper-case functions, one space around binary operators, only the
    parentheses precedence needs, references as their `key`; `parse(render(f))` renders the same again."""
    root = formula.root if isinstance(formula, Formula) else formula
    done: dict[int, tuple[str, int]] = {}
    for node in walk(root):
        done[id(node)] = _render_node(node, [done.pop(id(child)) for child in children(node)])
    return done[id(root)][0]


def _render_node(node: Node, parts: list[tuple[str, int]]) -> tuple[str, int]:
    if isinstance(node, Number):
        value = node.value
        return (str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)), _OPERAND
    if isinstance(node, Ref):
        return node.key, _OPERAND
    if isinstance(node, Call):
        return f"{node.name}({', '.join(text for text, _ in parts)})", _OPERAND
    if isinstance(node, Unary):
        operand = _wrapped(parts[0][0], parts[0][1] < UNARY_PRECEDENCE)
        return node.op + (" " if operand[0] in "+-" else "") + operand, UNARY_PRECEDENCE
    (left, left_precedence), (right, right_precedence) = parts
    precedence = PRECEDENCE[node.op]
    if node.op == "^":  # right-associative; its exponent is a signed operand
        wrap_left, wrap_right = left_precedence <= precedence, right_precedence < UNARY_PRECEDENCE
    else:
        wrap_left, wrap_right = left_precedence < precedence, right_precedence <= precedence
    return f"{_wrapped(left, wrap_left)} {node.op} {_wrapped(right, wrap_right)}", precedence


def _wrapped(text: str, wrap: bool) -> str:
    return f"({text})" if wrap else text


def _name_text(code: str) -> str:
    return code if IDENTIFIER.fullmatch(code) else f"[{code}]"


def _code_text(code: str) -> str:
    if IDENTIFIER.fullmatch(code) or _DIGITS.fullmatch(code):
        return code
    if "'" not in code:
        return f"'{code}'"
    return f'"{code}"' if '"' not in code else f"[{code}]"
