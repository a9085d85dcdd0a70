"""Planning structure: models, dimensions, members, cubes; facts live in a partitioned table (see migrations)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

CODE_MAX = 64


class Model(models.Model):
    """A planning model (workspace): its dimensions and cubes."""

    code = models.SlugField(max_length=CODE_MAX, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    reporting_currency = models.CharField(max_length=3, default="EUR")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="model_fiscal_start_is_a_month",
            )
        ]

    def __str__(self) -> str:
        return self.code


class DimensionKind(models.TextChoices):
    ACCOUNT = "account"
    ENTITY = "entity"
    TIME = "time"
    VERSION = "version"
    CUSTOM = "custom"


class Dimension(models.Model):
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(max_length=CODE_MAX)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=DimensionKind.choices, default=DimensionKind.CUSTOM)
    structure_version = models.BigIntegerField(default=0)  # bumped on every member change

    class Meta:
        ordering = ["model_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="dimension_code_unique_in_model"),
            models.UniqueConstraint(
                fields=["model", "kind"], condition=~models.Q(kind="custom"), name="one_builtin_dimension_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id}:{self.code}"


class AccountType(models.TextChoices):
    REVENUE = "revenue"
    EXPENSE = "expense"
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    STATISTICAL = "statistical"


class TimeBalance(models.TextChoices):
    FLOW = "flow"
    FIRST = "first"
    LAST = "last"
    AVERAGE = "average"


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"


class PeriodKind(models.TextChoices):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class VersionKind(models.TextChoices):
    ACTUAL = "actual"
    BUDGET = "budget"
    FORECAST = "forecast"
    WHAT_IF = "what_if"


MEMBER_ATTRIBUTES = [  # the member columns a client may set (besides code, name, parent and ratio inputs)
    "weight",
    "sort",
    "attributes",
    "account_type",
    "time_balance",
    "polarity",
    "number_format",
    "ratio_scale",
    "currency",
    "version_kind",
    "locked",
    "formula",
]


class Member(models.Model):
    """A member of a dimension, with one parent; kind-specific attributes are typed columns, the rest in JSON."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="members")
    code = models.CharField(max_length=CODE_MAX)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    weight = models.FloatField(default=1.0)
    sort = models.IntegerField(default=0)
    attributes = models.JSONField(default=dict, blank=True)
    # Account
    account_type = models.CharField(max_length=16, choices=AccountType.choices, blank=True, default="")
    time_balance = models.CharField(max_length=8, choices=TimeBalance.choices, blank=True, default="")
    polarity = models.CharField(max_length=20, choices=Polarity.choices, blank=True, default="")
    number_format = models.CharField(max_length=32, blank=True, default="")
    ratio_numerator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ratio_denominator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ratio_scale = models.FloatField(default=1.0)
    formula = models.TextField(blank=True, default="")  # a calculated line item (see planning/formulas.py)
    # Entity
    currency = models.CharField(max_length=3, blank=True, default="")
    # Time
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices, blank=True, default="")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    # Version
    version_kind = models.CharField(max_length=16, choices=VersionKind.choices, blank=True, default="")
    locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["dimension_id", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="member_code_unique_in_dimension")]
        indexes = [models.Index(fields=["dimension", "parent"])]

    def __str__(self) -> str:
        return self.code

    @property
    def is_ratio(self) -> bool:
        return self.ratio_numerator_id is not None

    @property
    def is_calculated(self) -> bool:
        """A ratio or a formula: its values are computed, never entered."""
        return self.ratio_numerator_id is not None or bool(self.formula)


class Cube(models.Model):
    """A cube over an ordered set of the model's dimensions; it must include the Version and Time dimensions."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="cubes")
    code = models.SlugField(max_length=CODE_MAX)
    name = models.CharField(max_length=200)
    data_version = models.BigIntegerField(default=0)  # bumped in the same transaction as every fact change
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model_id", "code"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="cube_code_unique_in_model")]

    def __str__(self) -> str:
        return f"{self.model_id}:{self.code}"


FACT_SLOTS = ("version_id", "period_id", "m1", "m2", "m3", "m4", "m5", "m6")
MAX_OTHER_DIMENSIONS = 6


class CubeDimension(models.Model):
    """Which dimension sits in which fact column (slot) of a cube."""

    cube = models.ForeignKey(Cube, on_delete=models.CASCADE, related_name="cube_dimensions")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="cube_dimensions")
    position = models.PositiveSmallIntegerField()
    slot = models.CharField(max_length=12)

    class Meta:
        ordering = ["cube_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cube", "dimension"], name="cube_dimension_once"),
            models.UniqueConstraint(fields=["cube", "position"], name="cube_position_once"),
            models.UniqueConstraint(fields=["cube", "slot"], name="cube_slot_once"),
        ]


class FactChange(models.Model):
    """Append-only audit of every fact change (a database trigger refuses UPDATE and DELETE)."""

    model_id = models.BigIntegerField()
    cube_id = models.BigIntegerField()  # indexed with the cell and with the data version below
    version_id = models.BigIntegerField()
    period_id = models.BigIntegerField()
    m1 = models.BigIntegerField(default=0)
    m2 = models.BigIntegerField(default=0)
    m3 = models.BigIntegerField(default=0)
    m4 = models.BigIntegerField(default=0)
    m5 = models.BigIntegerField(default=0)
    m6 = models.BigIntegerField(default=0)
    old_value = models.FloatField(null=True)
    new_value = models.FloatField(null=True)
    source = models.CharField(max_length=16)  # grid, api, import, spread, allocation, formula, structure, demo
    data_version = models.BigIntegerField(default=0)  # the cube's data version this change produced
    batch = models.UUIDField(db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # few indexes: every write to a fact also writes here
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["cube_id", "version_id", "period_id", "m1", "m2"], name="factchange_cell"),
            models.Index(fields=["cube_id", "data_version"], name="factchange_delta"),  # the read path's delta
        ]


class RateType(models.TextChoices):
    AVERAGE = "average"
    CLOSING = "closing"


class FxRate(models.Model):
    """1 unit of `currency` = `rate` units of the model's reporting currency, in one month of one version."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="fx_rates")
    version = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    rate_type = models.CharField(max_length=8, choices=RateType.choices)
    rate = models.FloatField()

    class Meta:
        ordering = ["model_id", "version_id", "period_id", "currency", "rate_type"]
        constraints = [
            models.UniqueConstraint(fields=["version", "period", "currency", "rate_type"], name="fx_rate_once"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
        ]


class Branch(models.Model):
    """A version branched from another: where it started, so a merge can tell who changed what since."""

    version = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="branch")
    base = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    points = models.JSONField(default=dict)  # cube id → the cube's data version right after the branch copy
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    merged_at = models.DateTimeField(null=True, blank=True)


class Allocation(models.Model):
    """A step-down allocation rule of a cube (see planning/allocations.py for the definition's fields)."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="allocations")
    cube = models.ForeignKey(Cube, on_delete=models.CASCADE, related_name="allocations")
    code = models.SlugField(max_length=CODE_MAX)
    name = models.CharField(max_length=200)
    definition = models.JSONField()

    class Meta:
        ordering = ["model_id", "code"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="allocation_code_unique_in_model")]


class AllocationRun(models.Model):
    """One run of an allocation: the audit batch of its cell changes and every amount moved (source → target)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    batch = models.UUIDField(null=True)
    lines = models.JSONField(default=list)  # [{step, period, source, target, amount}]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
