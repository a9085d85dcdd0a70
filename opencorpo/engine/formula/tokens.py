"""Tokenizer of the formula language: text → tokens with their 0-based character spans."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from opencorpo.engine.formula.errors import FormulaError, where
from opencorpo.engine.formula.nodes import IDENTIFIER

_WHITESPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?")
_NUMBER_TAIL = re.compile(r"[\w.%]*")
OPERATORS = ("<=", ">=", "<>", "+", "-", "*", "/", "^", "(", ")", ",", "{", "}", ":", "!", "@", "=", "<", ">")
_MISTAKES = {
    "==": "compare with a single '=', e.g. Units = 0",
    "!=": "write 'not equal' as <>, e.g. Units <> 0",
    "**": "write powers with ^, e.g. Units ^ 2",
    "&&": "join conditions with AND(condition, condition)",
    "||": "join alternatives with OR(condition, condition)",
    "&": "join conditions with AND(condition, condition)",
    "|": "join alternatives with OR(condition, condition)",
    ";": "separate function arguments with ','",
    "]": "it closes no '['; item codes in brackets look like [Gross margin]",
}


@dataclass(frozen=True)
class Token:
    """kind is number, name (bare identifier), bracket ([code]), string ('code' or "code"), op or end;
    `name` is the code of a name, bracket or string token (without its brackets or quotes)."""

    kind: str
    text: str
    start: int
    end: int
    name: str = ""
    number: float = 0.0

    def shown(self) -> str:
        if self.kind == "end":
            return "the end of the formula"
        return self.text if self.kind == "string" else f"'{self.text}'"


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an `end` token at position len(text); raises FormulaError."""
    tokens: list[Token] = []
    position = 0
    while True:
        space = _WHITESPACE.match(text, position)
        if space:
            position = space.end()
        if position >= len(text):
            tokens.append(Token("end", "", len(text), len(text)))
            return tokens
        token = _token_at(text, position)
        tokens.append(token)
        position = token.end


def _token_at(text: str, position: int) -> Token:
    char = text[position]
    number = _NUMBER.match(text, position)
    if number:
        return _number(text, position, number.end())
    name = IDENTIFIER.match(text, position)
    if name:
        return Token("name", name.group(), position, name.end(), name=name.group())
    if char in "['\"":
        closing = "]" if char == "[" else char
        end = text.find(closing, position + 1)
        if end < 0:
            what = "bracket '['" if char == "[" else f"quote {char}"
            raise FormulaError(
                f"The {what} {where(position, text)} is never closed; close it with '{closing}'.", position
            )
        kind = "bracket" if char == "[" else "string"
        return Token(kind, text[position : end + 1], position, end + 1, name=text[position + 1 : end])
    for mistake, advice in _MISTAKES.items():
        if text.startswith(mistake, position):
            raise FormulaError(f"Unexpected '{mistake}' {where(position, text)}; {advice}.", position)
    for operator in OPERATORS:
        if text.startswith(operator, position):
            return Token("op", operator, position, position + len(operator), name=operator)
    raise FormulaError(
        f"Unexpected character '{char}' {where(position, text)}; a formula is made of numbers, items, "
        "+ - * / ^, comparisons (= <> < <= > >=), parentheses and functions such as IF(a, b, c).",
        position,
    )


def _number(text: str, start: int, end: int) -> Token:
    tail = _NUMBER_TAIL.match(text, end)
    if tail and tail.end() > end:
        written = text[start : tail.end()]
        raise FormulaError(
            f"Malformed number '{written}' {where(start, text)}; write numbers like 12, 1.5, .5, 1e3 or 3%, "
            f"put an operator between a number and an item (2 * Units), and write item codes that start "
            f"with a digit in brackets, e.g. [{written}].",
            start,
        )
    written = text[start:end]
    percent = written.endswith("%")
    value = float(Decimal(written.rstrip("%")).scaleb(-2 if percent else 0))
    if not math.isfinite(value):
        raise FormulaError(
            f"The number '{written}' {where(start, text)} is too large; numbers must stay below 1.8e308.", start
        )
    return Token("number", written, start, end, number=value)
