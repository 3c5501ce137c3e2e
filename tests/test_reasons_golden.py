"""The Shortfalls reasons are unchanged: every case of tests/golden/reasons.json (inputs as raw rows,
fixed plans, no solving; see reasons_golden.py, which wrote it) gives the Shortfalls rows it recorded.

The golden file is a regression record, not truth: where a reason's text changes on purpose, write it
again with ``python tests/reasons_golden.py`` and read the difference.
"""

from __future__ import annotations

import json

import pytest
from reasons_golden import GOLDEN, shortfall_rows

CASES = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]


def test_the_golden_file_covers_every_kind_of_reason():
    texts = " ".join(s[4] for c in CASES for s in c["shortfalls"])
    for clause in ("No nation pledges", "straits closed", "barred for", "Every pledge", "onditional pledge",
                   "is available only", "rotation:", "higher-priority", "same-priority", "lower-priority",
                   "too few units", "capacity exhausted", "binds:", "Montreux: non", "two thirds",
                   "sustainment: no depot", "sustainment: nothing", "lift into", "lead share", "no unit it could add",
                   "no European nation", "min_nations", "max_nation_share", "were free"):
        assert clause in texts, clause


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['source']}" for i, c in enumerate(CASES)])
def test_reasons_unchanged(case):
    assert shortfall_rows(case["rows"], case["plan"]) == case["shortfalls"]
