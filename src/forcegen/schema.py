"""Every input sheet and column described once, as data.

This one description drives the reader's checks (``workbook/read.py``), the
blank template (``workbook/template.py``) and the column table in the README
(``python -m forcegen.schema`` prints it), so the three cannot drift apart.
It follows SPEC.md section 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DOMAINS = ("land", "air", "sea", "logistics", "training", "monitoring", "enabler")
LOCATION_KINDS = (
    "air_base",
    "naval_base",
    "land_base",
    "depot_site",
    "training_area",
    "headquarters",
    "remote",
)
PILLARS = ("monitoring", "air", "sea", "land", "training", "logistics", "regeneration", "c2")
LEADS = ("european", "any", "none")
RULES = ("forbid", "only", "max_personnel")
STATUSES = ("firm", "conditional")
STRAITS = ("open", "montreux", "closed")  # Scenario straits (SPEC 5.4)
BLACK_SEA = "black_sea"  # Locations sea_area that marks a Black Sea location (SPEC 5.4)
NO_COUNTRY = "---"
DEFAULT_HOST = "UKR"  # Scenario host_country when the input does not say

YES = frozenset({"yes", "true", "y", "1"})
NO = frozenset({"no", "false", "n", "0"})

#: kinds of column and what a cell of each kind holds
KINDS = {
    "id": "text id",
    "ref": "id of a row of another sheet",
    "text": "free text",
    "int": "whole number",
    "number": "decimal number",
    "yesno": "yes/no (also true/false, y/n, 1/0)",
    "enum": "one of a fixed list",
    "country": "ISO 3166 alpha-3 code, or --- for no country",
}


@dataclass(frozen=True)
class Column:
    """One column of an input sheet (or one Scenario parameter)."""

    name: str
    kind: str
    description: str
    required: bool = True
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # sheet whose id this column refers to
    width: int = 14

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        assert (self.kind == "enum") == bool(self.choices), self.name
        assert (self.kind == "ref") == (self.ref is not None), self.name

    @property
    def expects(self) -> str:
        """What a valid cell holds, in words, for error messages and docs."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        text = {
            "int": "a whole number",
            "number": "a number",
            "yesno": "yes or no",
            "id": "an id",
            "ref": f"an id from sheet {self.ref}",
            "text": "text",
            "country": "a 3-letter country code or ---",
        }[self.kind]
        if self.minimum is not None and self.maximum is not None:
            if self.exclusive_minimum:
                text += f" with {_bound(self.minimum)} < x ≤ {_bound(self.maximum)}"
            else:
                text += f" in {_bound(self.minimum)}..{_bound(self.maximum)}"
        elif self.minimum is not None:
            text += f" {'>' if self.exclusive_minimum else '≥'} {_bound(self.minimum)}"
        return text

    @property
    def type_label(self) -> str:
        if self.kind == "enum":
            return "enum"
        if self.kind == "ref":
            return f"id → {self.ref}"
        return {"int": "whole number", "number": "number", "yesno": "yes/no"}.get(
            self.kind, self.kind
        )


@dataclass(frozen=True)
class Sheet:
    """One input sheet: its columns and which of them identify a row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns whose values must be unique together
    key_value: bool = False  # Scenario: parameter/value rows
    parameters: tuple[Column, ...] = field(default=())

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _bound(x: float) -> str:
    """A range end for messages: 0.5, 90, 100,000 (never 1e+05)."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


#: Upper limits of the open-ended numbers: far beyond any coalition's figures, yet small enough
#: that a solver handles them exactly. A larger value is a typo (or a pasted id or date).
MAX_PERIODS = 1_000
MAX_UNITS = 100_000
MAX_UNIT_PERSONNEL = 100_000
MAX_PERSONNEL = 1_000_000_000
MAX_COST = 1_000_000_000.0
MAX_WEIGHT = 1_000_000.0
MAX_NATIONS = 1_000
MAX_RATE = 1_000_000.0  # tonnes per day (per 1,000 personnel, per unit or per location)
MAX_KM = 40_000.0  # about the Earth's circumference
MAX_TONNAGE = 10_000_000.0


def _c(name, kind, description, **kw) -> Column:
    return Column(name=name, kind=kind, description=description, **kw)


SCENARIO_PARAMETERS: tuple[Column, ...] = (
    _c("name", "text", "Scenario name shown in every report", required=False, default=""),
    _c("horizon", "int", "Number of planning periods (period 1 = first after the ceasefire)", minimum=1,
       maximum=MAX_PERIODS),
    _c("ceasefire", "yesno", "Whether a ceasefire holds; tasks that require one are inactive when no", required=False, default=True),
    _c("include_conditional", "yesno", "Whether conditional pledges (awaiting approval) may be allocated", required=False, default=True),
    _c("lead_min_share", "number", "Least share of a task's personnel its lead nation supplies", required=False, default=0.25, minimum=0, maximum=1),
    _c("currency", "text", "Currency of costs (in thousands)", required=False, default="EUR"),
    _c("host_country", "country", "ISO alpha-3 code of the host country: personnel at locations in it count as "
       "inside in the reports' personnel split, all others as outside; --- for none (everyone outside)",
       required=False, default=DEFAULT_HOST),
    # SPEC section 5.1 sustainment and 5.2 lift: blank = rule off
    _c("supply_rate", "number", "Sustainment rule (SPEC 5.1): tonnes of supply per day per 1,000 deployed personnel; "
       "blank = rule off", required=False, minimum=0, maximum=MAX_RATE),
    _c("resupply_km", "number", "Sustainment rule: how far (km, great-circle) a depot or host-nation source can "
       "resupply; required when supply_rate is set", required=False, minimum=0, maximum=MAX_KM,
       exclusive_minimum=True),
    _c("lift_capacity", "int", "Lift rule (SPEC 5.2): personnel that surface and charter lift can move into the area "
       "of operations in one period; blank = rule off", required=False, minimum=0, maximum=MAX_PERSONNEL),
    _c("straits", "enum", "The Turkish straits for warships of non-Black-Sea states on Black Sea tasks (SPEC 5.4): "
       "open = no rule; montreux = their tonnage at Black Sea locations within montreux_aggregate_t, one "
       "nation's within two thirds of it; closed = none of them there", required=False, default="open",
       choices=STRAITS),
    _c("montreux_aggregate_t", "number", "Montreux Convention aggregate tonnage limit (30,000; 45,000 where raised); "
       "used when straits is montreux", required=False, default=30000.0, minimum=0, maximum=MAX_TONNAGE,
       exclusive_minimum=True),
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Scenario",
        "Key/value parameters of the scenario, one per row",
        (
            _c("parameter", "enum", "Parameter name", choices=tuple(p.name for p in SCENARIO_PARAMETERS), width=22),
            _c("value", "text", "Parameter value", width=40),
        ),
        key=("parameter",),
        key_value=True,
        parameters=SCENARIO_PARAMETERS,
    ),
    Sheet(
        "Nations",
        "Nations of the coalition",
        (
            _c("nation", "id", "Nation id, unique (ISO 3166 alpha-3 by convention: DEU, USA)"),
            _c("name", "text", "Display name", width=22),
            _c("european", "yesno", "May lead a task whose lead is european"),
            _c("fair_share", "number", "Share of the coalition's burden by an agreed key; reporting only", required=False, minimum=0, maximum=1),
            _c("black_sea_state", "yesno", "A Black Sea state (Bulgaria, Georgia, Romania, Russia, Turkiye, Ukraine): "
               "its ships are not limited by Scenario straits", required=False, default=False, width=16),
        ),
        key=("nation",),
    ),
    Sheet(
        "Capabilities",
        "Kinds of unit a nation can pledge",
        (
            _c("capability", "id", "Capability id, unique", width=16),
            _c("name", "text", "Display name", width=30),
            _c("domain", "enum", "Domain of the capability", choices=DOMAINS),
            _c("unit", "text", "Label of one unit: company, squadron, ship, depot, team …"),
            _c("personnel_per_unit", "int", "Personnel in one deployed unit", minimum=0, maximum=MAX_UNIT_PERSONNEL, width=18),
            _c("throughput", "number", "Sustainment: tonnes of supply per day one allocated unit delivers (a depot)",
               required=False, default=0.0, minimum=0, maximum=MAX_RATE),
            _c("lift_per_period", "number", "Lift: personnel one allocated unit moves into the area of operations in a "
               "period (an airlift detachment)", required=False, default=0.0, minimum=0, maximum=MAX_PERSONNEL,
               width=16),
            _c("tonnage", "number", "Tonnes (standard displacement) of one unit; counts for sea capabilities under "
               "Scenario straits montreux", required=False, default=0.0, minimum=0, maximum=MAX_TONNAGE),
        ),
        key=("capability",),
    ),
    Sheet(
        "Locations",
        "Basing locations",
        (
            _c("location", "id", "Location id, unique", width=16),
            _c("name", "text", "Display name", width=28),
            _c("country", "country", "ISO alpha-3 code of the location's country; --- for none (space, remote)"),
            _c("kind", "enum", "Kind of location", choices=LOCATION_KINDS, width=16),
            _c("personnel_capacity", "int", "Most personnel the location can hold in a period; blank = unlimited", required=False, minimum=0, maximum=MAX_PERSONNEL, width=18),
            _c("latitude", "number", "Decimal degrees", required=False, minimum=-90, maximum=90),
            _c("longitude", "number", "Decimal degrees", required=False, minimum=-180, maximum=180),
            _c("host_throughput", "number", "Sustainment: tonnes of supply per day host-nation support provides here",
               required=False, default=0.0, minimum=0, maximum=MAX_RATE, width=16),
            _c("in_area", "yesno", "Lift: whether personnel based here must be brought in by lift; blank = yes, "
               "and no where the country is ---", required=False),
            _c("sea_area", "text", f"Sea area of a port or sea location; {BLACK_SEA} marks the Black Sea "
               "(Scenario straits applies there)", required=False, default=""),
        ),
        key=("location",),
    ),
    Sheet(
        "Tasks",
        "Reassurance tasks the force must carry out",
        (
            _c("task", "id", "Task id, unique", width=16),
            _c("name", "text", "Display name", width=34),
            _c("pillar", "enum", "Pillar of the task", choices=PILLARS),
            _c("priority", "int", "1 (highest) .. 5", minimum=1, maximum=5),
            _c("start_period", "int", "First period in which the task is active", minimum=1),
            _c("end_period", "int", "Last period in which the task is active (inclusive)", minimum=1),
            _c("requires_ceasefire", "yesno", "Inactive when Scenario ceasefire is no", width=18),
            _c("lead", "enum", "Whether the task needs a lead nation and who may lead", choices=LEADS),
            _c("min_nations", "int", "Least number of nations contributing in a staffed period", required=False, default=1, minimum=1, maximum=MAX_NATIONS),
            _c("max_nation_share", "number", "Largest share of the task's personnel one nation may supply", required=False, default=1.0, minimum=0, maximum=1, exclusive_minimum=True, width=18),
            _c("active", "yesno", "Whether the task is planned at all", required=False, default=True),
        ),
        key=("task",),
    ),
    Sheet(
        "Basing",
        "Locations from which each task may be carried out",
        (
            _c("task", "ref", "Task", ref="Tasks", width=16),
            _c("location", "ref", "Location the task may be carried out from", ref="Locations", width=16),
        ),
        key=("task", "location"),
    ),
    Sheet(
        "Requirements",
        "Units each task needs in each of its active periods",
        (
            _c("task", "ref", "Task", ref="Tasks", width=16),
            _c("capability", "ref", "Capability needed", ref="Capabilities", width=16),
            _c("units", "int", "Units needed in each active period", minimum=1, maximum=MAX_UNITS),
            _c("weight", "number", "Value of one unit-period of this requirement within its priority", required=False, default=1.0, minimum=0, maximum=MAX_WEIGHT, exclusive_minimum=True),
        ),
        key=("task", "capability"),
    ),
    Sheet(
        "Pledges",
        "Units nations offer",
        (
            _c("pledge", "id", "Pledge id, unique", width=20),
            _c("nation", "ref", "Nation offering the units", ref="Nations"),
            _c("capability", "ref", "Capability offered", ref="Capabilities", width=16),
            _c("units", "int", "Units offered for sustained deployment in each period of the window", minimum=0, maximum=MAX_UNITS),
            _c("from_period", "int", "First period of availability; blank = 1", required=False, minimum=1),
            _c("to_period", "int", "Last period of availability; blank = horizon", required=False, minimum=1),
            _c("cost_per_unit", "number", "Cost of one unit for one period (thousands of the Scenario currency)", required=False, default=0.0, minimum=0, maximum=MAX_COST),
            _c("status", "enum", "firm, or conditional (awaits e.g. parliamentary approval)", required=False, default="firm", choices=STATUSES),
            _c("probability", "number", "Chance the pledge materializes (reliability sweeps only); blank = 1 for firm, 0.5 for conditional", required=False, minimum=0, maximum=1),
            _c("tour", "int", "Periods a unit stays deployed in one tour; units is then the units the nation holds; "
               "blank = no rotation limit", required=False, minimum=1, maximum=MAX_PERIODS),
            _c("dwell", "int", "Periods a unit spends at home after a tour (recovery, training) before it deploys "
               "again; used with tour", required=False, default=0, minimum=0, maximum=MAX_PERIODS),
        ),
        key=("pledge",),
    ),
    Sheet(
        "Caveats",
        "National caveats: what a nation's allocations may (not) be",
        (
            _c("nation", "ref", "Nation the caveat binds", ref="Nations"),
            _c("rule", "enum", "forbid: no matching allocation; only: each allocation matches one of the nation's only rows; max_personnel: matching personnel ≤ limit per period", choices=RULES, width=16),
            _c("country", "country", "Filter: the location's country; blank = any", required=False),
            _c("domain", "enum", "Filter: the capability's domain; blank = any", required=False, choices=DOMAINS),
            _c("capability", "ref", "Filter: the capability; blank = any", required=False, ref="Capabilities", width=16),
            _c("pillar", "enum", "Filter: the task's pillar; blank = any", required=False, choices=PILLARS),
            _c("task", "ref", "Filter: the task; blank = any", required=False, ref="Tasks"),
            _c("limit", "int", "Personnel limit; required for max_personnel", required=False, minimum=0, maximum=MAX_PERSONNEL),
            _c("note", "text", "Free text shown in reports", required=False, default="", width=50),
        ),
    ),
)

SHEETS_BY_NAME = {s.name: s for s in SHEETS}
CAVEAT_FILTERS = ("country", "domain", "capability", "pillar", "task")


def column_table_markdown() -> str:
    """The README's table of sheets and columns, generated from ``SHEETS``."""
    lines = ["| sheet | column | type | required | default | description |", "|---|---|---|---|---|---|"]
    for sheet in SHEETS:
        cols = sheet.parameters if sheet.key_value else sheet.columns
        label = f"{sheet.name} (parameter rows)" if sheet.key_value else sheet.name
        for i, c in enumerate(cols):
            default = "" if c.default is None else _fmt_default(c.default)
            desc = c.description
            if c.kind == "enum":
                desc += f" ({', '.join(c.choices)})"
            elif c.minimum is not None or c.maximum is not None:
                desc += f" [{c.expects}]"
            lines.append(
                f"| {label if i == 0 else ''} | `{c.name}` | {c.type_label} | "
                f"{'yes' if c.required else 'no'} | {default} | {desc} |"
            )
    return "\n".join(lines)


def _fmt_default(v: object) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if v == "":
        return '""'
    return str(v)


if __name__ == "__main__":  # pragma: no cover
    print(column_table_markdown())
