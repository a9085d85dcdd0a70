"""Formula parser: every construct, precedence, reference spans and keys, render, and each error's message."""

from __future__ import annotations

import pytest

from opencorpo.engine import EngineError, FormulaError, Pin, Ref, parse, render
from opencorpo.engine.formula import Binary, Call, Node, Number, Unary


def shape(node: Node) -> str:
    """Fully parenthesised structure of a tree, written independently of `render`."""
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, Ref):
        return node.key
    if isinstance(node, Unary):
        return f"({node.op}{shape(node.operand)})"
    if isinstance(node, Binary):
        return f"({shape(node.left)}{node.op}{shape(node.right)})"
    assert isinstance(node, Call)
    return f"{node.name}[{';'.join(shape(arg) for arg in node.args)}]"


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12.0), ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), ("2.5E-2", 0.025), ("3%", 0.03), ("12.5%", 0.125),
     ("1.", 1.0), ("007", 7.0)],
)  # fmt: skip
def test_numbers(text: str, value: float) -> None:
    root = parse(text).root
    assert isinstance(root, Number)
    assert root.value == value
    assert (root.start, root.end) == (0, len(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b * c", "(a+(b*c))"),
        ("a * b + c", "((a*b)+c)"),
        ("a - b - c", "((a-b)-c)"),
        ("a / b / c", "((a/b)/c)"),
        ("a - b + c", "((a-b)+c)"),
        ("2 ^ 3 ^ 2", "(2.0^(3.0^2.0))"),
        ("-a ^ 2", "(-(a^2.0))"),
        ("a ^ -b", "(a^(-b))"),
        ("-a * b", "((-a)*b)"),
        ("a - -b", "(a-(-b))"),
        ("+a", "(+a)"),
        ("(a + b) * c", "((a+b)*c)"),
        ("a < b + c", "(a<(b+c))"),
        ("a + b >= c * 2", "((a+b)>=(c*2.0))"),
        ("a = b <> c", "((a=b)<>c)"),
        ("a<=b", "(a<=b)"),
        ("a>b", "(a>b)"),
        ("((a))", "a"),
        ("a ^ b * c", "((a^b)*c)"),
        ("if(a > 0, -a, Max(a, b, 1))", "IF[(a>0.0);(-a);MAX[a;b;1.0]]"),
        ("ROUND(a, -2) + round(b)", "(ROUND[a;(-2.0)]+ROUND[b])"),
    ],
)
def test_precedence_and_associativity(text: str, expected: str) -> None:
    assert shape(parse(text).root) == expected


def test_references_and_their_spans() -> None:
    text = "Units * [Gross margin] + staffing!FTE - [Head count]![4000]{entity: 'E 100', product: @family} + _x1"
    formula = parse(text)
    assert [text[ref.start : ref.end] for ref in formula.refs] == [
        "Units",
        "[Gross margin]",
        "staffing!FTE",
        "[Head count]![4000]{entity: 'E 100', product: @family}",
        "_x1",
    ]
    units, margin, fte, head, x1 = formula.refs
    assert units == Ref(None, "Units", (), 0, 5)
    assert (margin.cube, margin.item, margin.key) == (None, "Gross margin", "[Gross margin]")
    assert (fte.cube, fte.item, fte.key) == ("staffing", "FTE", "staffing!FTE")
    assert (head.cube, head.item) == ("Head count", "4000")
    assert head.pins == (Pin("entity", member="E 100"), Pin("product", attribute="family"))
    assert head.key == "[Head count]![4000]{entity:'E 100',product:@family}"
    assert x1.key == "_x1"


@pytest.mark.parametrize(
    ("text", "pin"),
    [
        ("Price{product: STD}", Pin("product", member="STD")),
        ("Price{product: 'E 100'}", Pin("product", member="E 100")),
        ('Price{product: "it\'s"}', Pin("product", member="it's")),
        ("Price{product: [A-1]}", Pin("product", member="A-1")),
        ("Price{product: 2024}", Pin("product", member="2024")),
        ("Price{[Product line]: @family}", Pin("Product line", attribute="family")),
        ("Price{product: @'price family'}", Pin("product", attribute="price family")),
    ],
)
def test_pin_values(text: str, pin: Pin) -> None:
    (ref,) = parse(text).refs
    assert ref.pins == (pin,)
    assert parse(ref.key).refs[0].pins == (pin,)  # the key is itself a formula reading the same thing


def test_refs_are_unique_by_key_in_order_of_first_use() -> None:
    formula = parse("b + a * b + Price{y: 1, x: 2} + Price{x: 2, y: 1} + a!b")
    assert [ref.key for ref in formula.refs] == ["b", "a", "Price{x:2,y:1}", "a!b"]
    assert formula.refs[0].start == 0


def test_function_names_are_case_insensitive_and_items_may_be_spelled_like_functions() -> None:
    formula = parse("Prev(x) + yTd(x) + IF + [MIN] * round")
    assert shape(formula.root) == "(((PREV[x]+YTD[x])+IF)+(MIN*round))"
    assert [ref.key for ref in formula.refs] == ["x", "IF", "MIN", "round"]


@pytest.mark.parametrize(
    ("text", "uses_time"),
    [("a + b", False), ("IF(a, PREV(b), 0)", True), ("lag(a, 0)", True), ("ytd(a)", True), ("cumul(a)", True),
     ("Movavg(a, 3)", True), ("ROUND(ABS(a))", False)],
)  # fmt: skip
def test_uses_time(text: str, uses_time: bool) -> None:
    assert parse(text).uses_time is uses_time


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a+b*c", "a + b * c"),
        ("(a+b)*c", "(a + b) * c"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("(2^3)^2", "(2 ^ 3) ^ 2"),
        ("2^(3^2)", "2 ^ 3 ^ 2"),
        ("(-2)^2", "(-2) ^ 2"),
        ("-(2^2)", "-2 ^ 2"),
        ("2^(-1)", "2 ^ -1"),
        ("-(-a)", "- -a"),
        ("-(a+b)", "-(a + b)"),
        ("(a<b)=(c>d)", "a < b = (c > d)"),
        ("3% * 1e3 + .5 + 1e-7", "0.03 * 1000 + 0.5 + 1e-07"),
        ("if(a,b,c)", "IF(a, b, c)"),
        ("x{ b : 'B 1' , a:@k }", "x{a:@k,b:'B 1'}"),
    ],
)
def test_render_is_canonical_and_round_trips(text: str, canonical: str) -> None:
    assert render(parse(text)) == canonical
    assert render(parse(canonical)) == canonical
    assert shape(parse(canonical).root) == shape(parse(text).root)


@pytest.mark.parametrize(
    ("text", "position", "fragments"),
    [
        ("Units * )", 8, ["Unexpected ')'", "an operand (a number, an item or a function) was expected"]),
        ("Units *", 7, ["ends too early", "an operand"]),
        ("", 0, ["The formula is empty"]),
        ("   ", 0, ["The formula is empty"]),
        ("Units Price", 6, ["Unexpected 'Price'", "an operator"]),
        ("a + b)", 5, ["Unexpected ')'", "closes no '('"]),
        ("(a + b", 0, ["'(' at position 0", "is closed", "')'"]),
        ("IF(a, b", 2, ["'(' at position 2", "after the last argument of IF"]),
        ("MAX(a; b)", 5, ["Unexpected ';'", "separate function arguments with ','"]),
        ("MIN(a b)", 6, ["Unexpected 'b'", "',' or ')' was expected in MIN(...)"]),
        ("[Gross margin * 2", 0, ["bracket '['", "never closed"]),
        ("x{p: 'E 100}", 5, ["quote '", "never closed"]),
        ("[] + 1", 0, ["Empty item []", "between the brackets"]),
        ("x{p: ''}", 5, ["Empty code ''", "between the quotes"]),
        ("'E 100' + 1", 0, ["Unexpected 'E 100'", "only allowed as a pin value", "[Gross margin]"]),
        ("1.2.3 + a", 0, ["Malformed number '1.2.3'"]),
        ("2 + 12abc", 4, ["Malformed number '12abc'", "[12abc]"]),
        ("1e", 0, ["Malformed number '1e'"]),
        ("3%%", 0, ["Malformed number '3%%'"]),
        ("1e999", 0, ["The number '1e999'", "too large"]),
        ("a # b", 2, ["Unexpected character '#'"]),
        ("a == b", 2, ["Unexpected '=='", "single '='"]),
        ("a != b", 2, ["Unexpected '!='", "<>"]),
        ("a ** 2", 2, ["Unexpected '**'", "^"]),
        ("a && b", 2, ["AND("]),
        (
            "SUM(a, b)",
            0,
            ["Unknown function 'SUM'", "ABS, AND, CUMUL, IF, LAG, MAX, MIN, MOVAVG, NOT, OR, PREV, ROUND, YTD"],
        ),
        ("Units (2)", 0, ["Unknown function 'Units'", "put an operator between it and the '('"]),
        ("if(a, b)", 0, ["IF takes 3 arguments but has 2", "IF(condition, value_if_true, value_if_false)"]),
        ("1 + Not()", 4, ["NOT takes 1 argument but has 0"]),
        ("MIN()", 0, ["MIN takes at least 1 argument but has 0"]),
        ("ROUND(a, 1, 2)", 0, ["ROUND takes 1 or 2 arguments but has 3"]),
        ("LAG(a)", 0, ["LAG takes 2 arguments but has 1", "LAG(value, periods)"]),
        ("LAG(a, 1.5)", 7, ["number of periods of LAG", "'1.5'", "LAG(Units, 12)"]),
        ("LAG(a, -1)", 7, ["whole number of 0 or more", "'-1'"]),
        ("LAG(a, b)", 7, ["'b'"]),
        ("MOVAVG(a, 0)", 10, ["number of periods of MOVAVG", "1 or more"]),
        ("ROUND(a, 0.5)", 9, ["number of digits of ROUND", "'0.5'"]),
        ("x{}", 2, ["Unexpected '}'", "a dimension code was expected"]),
        ("x{a STD}", 4, ["Unexpected 'STD'", "':' was expected"]),
        ("x{a: +}", 5, ["Unexpected '+'", "a member code was expected"]),
        ("x{a: @}", 6, ["Unexpected '}'", "an attribute code was expected"]),
        ("x{a: b, a: c}", 8, ["dimension 'a' is pinned twice"]),
        ("x{a: b", 1, ["'{' at position 1", "add '}'"]),
        ("x{a: b; c: d}", 6, ["Unexpected ';'"]),
        ("cube!", 5, ["ends too early", "an item code was expected after '!'"]),
        ("cube!(a)", 5, ["Unexpected '('", "an item code was expected after '!'"]),
    ],
)
def test_errors_say_what_where_and_what_to_do(text: str, position: int, fragments: list[str]) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    error = caught.value
    assert isinstance(error, EngineError)
    assert error.position == position
    message = str(error)
    assert message == error.message
    if text.strip():
        assert f'at position {position} in "{text}"' in message
    for fragment in fragments:
        assert fragment in message
    assert message.endswith(".")


def test_a_long_formula_is_shown_around_the_error() -> None:
    text = " + ".join(f"item{index}" for index in range(100)) + " + )"
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert caught.value.position == len(text) - 1
    assert '"…' in str(caught.value) and "item99 + )" in str(caught.value)
    assert "item0 " not in str(caught.value)


def test_deep_nesting_is_an_error_not_a_crash_but_long_chains_are_fine() -> None:
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse("(" * 200 + "a" + ")" * 200)
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse("-" * 200 + "a")
    chain = " + ".join(["a"] * 5000)
    assert render(parse(chain)) == chain


def test_pin_needs_exactly_one_of_member_and_attribute() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Pin("product")
    with pytest.raises(ValueError, match="exactly one"):
        Pin("product", member="STD", attribute="family")
