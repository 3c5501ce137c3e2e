"""SPEC.md section 4, written out: the plan workbook's sheets, their columns and the Summary's rows.

The tests compare the code's output with these lists, not with the code's own constants, so
that a column dropped or renamed in ``report.py`` fails a test instead of moving the test along.
"""

SHEETS = ["Summary", "Allocations", "Coverage", "Shortfalls", "Tasks", "Nations", "Caveats"]

COLUMNS = {
    "Summary": ("parameter", "value"),
    "Allocations": ("period", "task", "location", "country", "nation", "capability", "pledge", "units",
                    "personnel", "cost"),
    "Coverage": ("task", "capability", "period", "required", "allocated", "shortfall"),
    "Shortfalls": ("task", "capability", "periods", "units_missing", "reason"),
    "Tasks": ("task", "name", "priority", "lead", "nations", "staffed_periods", "coverage_pct"),
    "Nations": ("nation", "name", "personnel_peak", "personnel_by_country", "cost", "cost_share", "fair_share",
                "tasks_led"),
    "Caveats": ("nation", "rule", "filters", "note", "status"),
}

SUMMARY_ROWS = ("scenario", "status", "solver", "gap", "runtime_s", "required_unit_periods",
                "covered_unit_periods", "coverage_pct", "shortfall_p1", "shortfall_p2", "shortfall_p3",
                "shortfall_p4", "shortfall_p5", "total_cost", "personnel_peak", "input_file", "input_sha256",
                "forcegen_version", "created_at")
