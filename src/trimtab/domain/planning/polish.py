"""Active-set polish of a solved cvxpy problem: exact trades from an interior-point answer.

An interior-point solver stops a little inside every inequality it touches;
with a squared objective that is ~1e-7 of the portfolio in each trade even at
a 1e-12 objective gap (an error δ in a weight costs only δ²). The polish
keeps every equality, turns the inequalities the answer touches into
equalities, drops the others and solves that equality-constrained problem,
which has no barrier and so lands on its KKT point to rounding. The result is
kept only if it still satisfies every original constraint; otherwise the
rough answer stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cvxpy as cp
import numpy as np
from cvxpy.constraints.zero import Equality

ACTIVE = 1e-6  # slack (in fractions of the portfolio) under which a constraint counts as touched
FEASIBLE = 1e-9  # violation of an original constraint the polished answer may show


def polish(objective: Any, constraints: Sequence[Any]) -> bool:
    """Re-solve on the active set; True when the polished answer was kept."""
    variables = {v for c in constraints for v in c.variables()} | set(objective.variables())
    rough = {v: v.value for v in variables}
    kept: list[Any] = []
    for c in constraints:
        if isinstance(c, Equality):
            kept.append(c)
            continue
        slack = np.atleast_1d(np.asarray(c.expr.value, dtype=float))
        touched = np.flatnonzero(np.abs(slack) <= ACTIVE)
        if touched.size == slack.size:
            kept.append(c.expr == 0)
        elif touched.size:
            kept.append(c.expr[touched] == 0)
    try:
        cp.Problem(cp.Minimize(objective), kept).solve(solver=cp.CLARABEL)  # type: ignore[no-untyped-call]
    except cp.error.SolverError:
        return _restore(rough)
    if any(v.value is None for v in variables) or _violation(constraints) > FEASIBLE:
        return _restore(rough)
    return True


def _violation(constraints: Sequence[Any]) -> float:
    worst = 0.0
    for c in constraints:
        residual = c.residual
        if residual is not None:
            worst = max(worst, float(np.max(np.atleast_1d(residual))))
    return worst


def _restore(values: dict[Any, Any]) -> bool:
    for variable, value in values.items():
        variable.value = value
    return False
