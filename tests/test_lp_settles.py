"""A level settled by its LP relaxation (``solve._lp_settles``): exactly where no better plan can exist.

Hand-derived: two items of weight 2 in a knapsack of capacity 3, each covering one unit of
shortfall: minimize −x1 − x2 with 2·x1 + 2·x2 ≤ 3, x binary. The LP optimum is −1.5; every plan's
value is a whole number, so none is below −1. A start of −1 (one item) is optimal; the empty plan
(0) is not, and the bound the LP gives is −1.
"""

from __future__ import annotations

from forcegen.model.backends import SolveOptions, get_backend
from forcegen.model.linear import LinearModel, Objective
from forcegen.model.solve import _lp_settles


def knapsack():
    m = LinearModel()
    x1 = m.add_var("x1", 0, 1)
    x2 = m.add_var("x2", 0, 1)
    m.add_row("capacity", [(x1, 2), (x2, 2)], hi=3)
    return m, Objective("shortfall_p1", [x1, x2], [-1.0, -1.0], 2.0)


def test_lp_bound_rounded_up_to_the_step_settles_an_optimal_start():
    model, obj = knapsack()
    session = get_backend("highs").open(model)
    assert _lp_settles(session, obj, SolveOptions(), -1.0, 1.0, 0.0) == (True, -1.0)


def test_a_start_above_the_rounded_bound_is_not_settled():
    model, obj = knapsack()
    session = get_backend("highs").open(model)
    assert _lp_settles(session, obj, SolveOptions(), 0.0, 1.0, 0.0) == (False, -1.0)


def test_a_finer_step_keeps_the_fraction():
    # with coefficients in tenths the values are multiples of 0.1: the LP's −1.5 is a possible value,
    # so the start −1 is not proven optimal (here the fraction is not reachable, but the LP cannot tell)
    model, obj = knapsack()
    session = get_backend("highs").open(model)
    settled, floor = _lp_settles(session, obj, SolveOptions(), -1.0, 0.1, 0.0)
    assert not settled and abs(floor + 1.5) < 1e-9
