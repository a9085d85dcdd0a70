"""A safe formula language for calculated line items: parsed to a tree (never `eval`), evaluated on numpy.

Grammar (function names are case-insensitive; item, cube, dimension and member codes are case-sensitive;
whitespace may separate any two tokens)::

    formula        := comparison END
    comparison     := additive (("=" | "<>" | "<" | "<=" | ">" | ">=") additive)*     # left-associative
    additive       := multiplicative (("+" | "-") multiplicative)*
    multiplicative := unary (("*" | "/") unary)*
    unary          := ("-" | "+") unary | primary ["^" unary]                      # ^ binds tighter, right-assoc
    primary        := NUMBER | function "(" [comparison ("," comparison)*] ")" | reference | "(" comparison ")"
    reference      := [name "!"] name [pins]                                        # cube ! item
    name           := IDENTIFIER | "[" any characters but "]" "]"
    pins           := "{" pin ("," pin)* "}"
    pin            := code ":" (code | "@" code)                                   # member, or lookup by attribute
    code           := IDENTIFIER | DIGITS | "'" any but "'" "'" | '"' any but '"' '"' | "[" any but "]" "]"
    NUMBER         := 12 | 1.5 | .5 | 1e3 | 1.5E-2 | 3%                             # 3% is 0.03
    IDENTIFIER     := a letter or "_", then letters, digits or "_"

So `-2 ^ 2` is -4, `2 ^ 3 ^ 2` is 2 ^ 9 and `2 ^ -1` is 0.5. An identifier right before "(" is a function;
elsewhere it is an item, even if spelled like a function. `Price{product: STD, entity: 'E 100'}` reads Price
with dimension product pinned to member STD and entity to 'E 100'; `Price{product: @family}` reads Price at the
product whose code is the `family` attribute of the current cell's product. Pins may follow `cube!item` too.

Functions: IF(condition, if_true, if_false), AND(...), OR(...), NOT(x), MIN(...), MAX(...), ABS(x),
ROUND(x[, digits]), and the time functions PREV(x) = LAG(x, 1), LAG(x, n), YTD(x) (fiscal year to date),
CUMUL(x) (cumulative from the first period) and MOVAVG(x, n) (mean of the last n periods, the current one
included; at the start divided by the periods available, min(n, p + 1)). The n of LAG (0 or more) and of MOVAVG
(1 or more) and the digits of ROUND (negative rounds to tens, hundreds, ...) are whole numbers written as numbers.

Evaluation is vectorised: every operand is a (rows × periods) matrix whose columns are the leaf months in
calendar order; a new fiscal year (for YTD) starts wherever `year_of` changes. Each value has a `present` mask:

- An empty cell is 0, in inputs and in every intermediate and final result (as a blank in Excel); inputs that
  are not finite count as empty. A result cell is present when any operand is present there; constants are
  never present by themselves (so `Units * 1.1` is empty where Units is empty: a constant creates no cells),
  except that a formula of constants alone is present everywhere. Comparisons, IF, AND, OR, NOT, MIN and MAX
  follow the same rule, and empty operands take part as 0 (MIN(empty, 5) is 0).
- Division by zero gives 0 (as Anaplan), never inf or NaN; so do 0 ^ negative and negative ^ fraction.
- Comparisons give 1.0 or 0.0 and compare exactly; IF, AND, OR and NOT treat any non-zero value as true.
- ROUND rounds half away from zero (as Excel, not banker's rounding); a value that shows as a half with 15
  significant digits counts as the half, so ROUND(1.005, 2) is 1.01. Its presence is that of its value.
- LAG shifts values and mask (empty before the first period); YTD, CUMUL and MOVAVG are present where any
  period they add up is present.
- Results are finite everywhere: a part of the formula that overflows raises FormulaError naming that part.

`evaluation_order` and `recalculation_order` order formula items by their dependencies (see `graph`); an item
reading itself, even through PREV or LAG, is a cycle in this version.
"""

from opencorpo.engine.formula.errors import FormulaCycleError, FormulaError
from opencorpo.engine.formula.evaluation import Series, evaluate
from opencorpo.engine.formula.graph import evaluation_order, recalculation_order
from opencorpo.engine.formula.nodes import (
    FUNCTIONS,
    Binary,
    Call,
    Formula,
    FunctionSpec,
    Node,
    Number,
    Pin,
    Ref,
    Unary,
    render,
    walk,
)
from opencorpo.engine.formula.syntax import parse

__all__ = [
    "FUNCTIONS",
    "Binary",
    "Call",
    "Formula",
    "FormulaCycleError",
    "FormulaError",
    "FunctionSpec",
    "Node",
    "Number",
    "Pin",
    "Ref",
    "Series",
    "Unary",
    "evaluate",
    "evaluation_order",
    "parse",
    "recalculation_order",
    "render",
    "walk",
]
