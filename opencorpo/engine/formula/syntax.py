"""Recursive-descent parser of the formula language (grammar in the package docstring); never evaluates text."""

from __future__ import annotations

from dataclasses import replace

from opencorpo.engine.formula.errors import FormulaError, where
from opencorpo.engine.formula.nodes import (
    FUNCTIONS,
    Binary,
    Call,
    Formula,
    Node,
    Number,
    Pin,
    Ref,
    Unary,
    walk,
)
from opencorpo.engine.formula.tokens import Token, tokenize

MAX_NESTING = 64
_COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
_OPERAND = "an operand (a number, an item or a function) was expected"
_CODE_KINDS = ("name", "bracket", "string")


def parse(text: str) -> Formula:
    """Parse a formula; raises FormulaError saying what is wrong, where, and what to write instead."""
    if not text.strip():
        raise FormulaError("The formula is empty; write an expression such as Units * Price.", 0)
    parser = _Parser(text)
    root = parser.comparison()
    token = parser.peek()
    if token.kind != "end":
        if token.text == ")":
            raise parser.unexpected(token, "it closes no '(' — remove it or add the missing '('")
        raise parser.unexpected(token, "an operator (+ - * / ^ or a comparison) or the end of the formula was expected")
    refs: dict[str, Ref] = {}
    uses_time = False
    for node in walk(root):
        if isinstance(node, Ref):
            refs.setdefault(node.key, node)
        elif isinstance(node, Call):
            uses_time = uses_time or FUNCTIONS[node.name].time
    return Formula(text=text, refs=tuple(refs.values()), root=root, uses_time=uses_time)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at(self, *operators: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in operators

    def unexpected(self, token: Token, advice: str) -> FormulaError:
        what = "The formula ends too early" if token.kind == "end" else f"Unexpected {token.shown()}"
        return FormulaError(f"{what} {where(token.start, self.text)}; {advice}.", token.start)

    def comparison(self) -> Node:
        left = self.additive()
        while self.at(*_COMPARISONS):
            op = self.take().text
            right = self.additive()
            left = Binary(op, left, right, left.start, right.end)
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.take().text
            right = self.multiplicative()
            left = Binary(op, left, right, left.start, right.end)
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.at("*", "/"):
            op = self.take().text
            right = self.unary()
            left = Binary(op, left, right, left.start, right.end)
        return left

    def unary(self) -> Node:
        token = self.peek()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise FormulaError(
                f"The formula is nested too deeply {where(token.start, self.text)}; it has more than {MAX_NESTING} "
                "levels of parentheses, signs, powers or functions, so split it into several items.",
                token.start,
            )
        node: Node
        if self.at("-", "+"):
            self.take()
            operand = self.unary()
            node = Unary(token.text, operand, token.start, operand.end)
        else:
            node = self.primary()
            if self.at("^"):  # the exponent is a signed operand, which makes ^ right-associative
                self.take()
                exponent = self.unary()
                node = Binary("^", node, exponent, node.start, exponent.end)
        self.depth -= 1
        return node

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "number":
            self.take()
            return Number(token.number, token.start, token.end)
        if token.kind == "name" and self.peek(1).text == "(" and self.peek(1).kind == "op":
            return self.call()
        if token.kind in ("name", "bracket"):
            return self.reference()
        if token.kind == "op" and token.text == "(":
            self.take()
            inner = self.comparison()
            closing = self.close(token, ")", "')' was expected to close it", "')' was expected")
            if isinstance(inner, (Unary, Binary)):  # the span of a parenthesised part includes its parentheses
                inner = replace(inner, start=token.start, end=closing.end)
            return inner
        if token.kind == "string":
            raise self.unexpected(
                token,
                "quoted text is only allowed as a pin value, e.g. Price{entity: 'E 100'}; write an item code "
                "with spaces in brackets, e.g. [Gross margin]",
            )
        raise self.unexpected(token, _OPERAND)

    def close(self, opening: Token, closing: str, never_closed: str, expected: str) -> Token:
        token = self.peek()
        if token.kind == "op" and token.text == closing:
            return self.take()
        if token.kind == "end":
            raise FormulaError(
                f"The formula ends before the '{opening.text}' {where(opening.start, self.text)} is closed; "
                f"{never_closed}.",
                opening.start,
            )
        raise self.unexpected(token, expected)

    def call(self) -> Call:
        name_token, opening = self.take(), self.take()
        name = name_token.name.upper()
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise FormulaError(
                f"Unknown function '{name_token.text}' {where(name_token.start, self.text)}; the known functions "
                f"are {', '.join(sorted(FUNCTIONS))}. If '{name_token.text}' is an item, put an operator between "
                "it and the '('.",
                name_token.start,
            )
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.comparison())
            while self.at(","):
                self.take()
                args.append(self.comparison())
        closing = self.close(
            opening, ")", f"add ')' after the last argument of {name}", f"',' or ')' was expected in {name}(...)"
        )
        most = spec.max_args
        if len(args) < spec.min_args or (most is not None and len(args) > most):
            if most is None:
                wanted = f"at least {spec.min_args}"
            else:
                wanted = str(most) if most == spec.min_args else f"{spec.min_args} or {most}"
            raise FormulaError(
                f"{name} takes {wanted} argument{'' if wanted in ('1', 'at least 1') else 's'} but has {len(args)} "
                f"{where(name_token.start, self.text)}; write {spec.usage}.",
                name_token.start,
            )
        if name in ("LAG", "MOVAVG", "ROUND") and len(args) == 2:
            self.check_whole_number(name, args[1])
        return Call(name, tuple(args), name_token.start, closing.end)

    def check_whole_number(self, name: str, node: Node) -> None:
        least, what, example = {
            "LAG": (0, "number of periods", "LAG(Units, 12)"),
            "MOVAVG": (1, "number of periods", "MOVAVG(Units, 3)"),
            "ROUND": (None, "number of digits", "ROUND(Units, 2) or ROUND(Units, -3)"),
        }[name]
        value = whole_number(node)
        if value is None or (least is not None and value < least):
            kind = "a whole number" if least is None else f"a whole number of {least} or more"
            raise FormulaError(
                f"The {what} of {name} must be {kind} written as a number, but it is "
                f"'{self.text[node.start : node.end]}' {where(node.start, self.text)}; write e.g. {example}.",
                node.start,
            )

    def reference(self) -> Ref:
        first = item = self.take()
        cube = None
        if self.at("!"):
            self.take()
            item = self.peek()
            if item.kind not in ("name", "bracket"):
                advice = "an item code was expected after '!', e.g. staffing!FTE or [Head count]![4000]"
                raise self.unexpected(item, advice)
            self.take()
            cube = self.code(first, "cube")
        pins: list[Pin] = []
        end = item.end
        if self.at("{"):
            end = self.pins(pins)
        return Ref(cube, self.code(item, "item"), tuple(pins), first.start, end)

    def pins(self, pins: list[Pin]) -> int:
        opening = self.take()
        while True:
            dimension_token = self.peek()
            dimension = self.pin_code(dimension_token, "a dimension code was expected, e.g. Price{product: STD}")
            if not self.at(":"):
                raise self.unexpected(self.peek(), f"':' was expected after the dimension, e.g. {{{dimension}: STD}}")
            self.take()
            if self.at("@"):
                self.take()
                advice = "an attribute code was expected after '@', e.g. product: @family"
                pin = Pin(dimension, attribute=self.pin_code(self.peek(), advice))
            else:
                advice = "a member code was expected, e.g. product: STD, product: 'E 100' or product: @family"
                pin = Pin(dimension, member=self.pin_code(self.peek(), advice))
            if any(other.dimension == dimension for other in pins):
                raise FormulaError(
                    f"The dimension '{dimension}' is pinned twice {where(dimension_token.start, self.text)}; "
                    "pin each dimension once.",
                    dimension_token.start,
                )
            pins.append(pin)
            if not self.at(","):
                return self.close(opening, "}", "add '}' after the last pin", "',' or '}' was expected").end
            self.take()

    def pin_code(self, token: Token, advice: str) -> str:
        """A code in a pin: a bare identifier, digits, 'quoted', "quoted" or [bracketed]."""
        if token.kind == "number" and token.text.isdigit() and token.text.isascii():
            self.take()
            return token.text
        if token.kind not in _CODE_KINDS:
            raise self.unexpected(token, advice)
        self.take()
        return self.code(token, "code")

    def code(self, token: Token, what: str) -> str:
        if not token.name:
            between = "brackets" if token.kind == "bracket" else "quotes"
            raise FormulaError(
                f"Empty {what} {token.text} {where(token.start, self.text)}; write the {what} between the {between}.",
                token.start,
            )
        return token.name


def whole_number(node: Node) -> int | None:
    """The integer a literal like 12, 1e1 or -3 stands for; None for anything else."""
    if isinstance(node, Unary) and isinstance(node.operand, Number):
        inner = whole_number(node.operand)
        return None if inner is None else (-inner if node.op == "-" else inner)
    if isinstance(node, Number) and node.value.is_integer():
        return int(node.value)
    return None
