"""WBK/WBBM rules (data/thresholds.csv) -> pass/fail per rule with the margin, for one assessor's scores."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pandas as pd

from .catalog import Edition

PREDICATES = ("WBK", "WBBM")
RULE_COLUMNS = ["predicate", "rule_id", "label", "target", "target_name", "value", "minimum", "passed", "margin",
                "message"]
# Scores are sums of floats: compare after rounding so 75.00 computed as 74.99999999 still passes.
DIGITS = 6
NOT_MET = "Belum memenuhi"


def half_up(number: float, digits: int) -> Decimal:
    """The decimal the number was written as, rounded half up as a person does: 96.125 -> 96.13 (Python's own
    rounding goes to even, 96.12, and binary fractions fall either side: 2.675 is 2.67499...)."""
    return Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt(number: float, digits: int = 2) -> str:
    """A number the Indonesian way, rounded half up as a person does: 96.125 -> "96,13", 1234.5 -> "1.234,50"."""
    if not math.isfinite(number):
        return str(number)
    scaled = abs(number) * 10**digits
    if abs(scaled - math.floor(scaled) - 0.5) < 1e-6:
        # a half: formatting would round it to even or to whichever side its binary fraction falls
        text = f"{half_up(number, digits):,.{digits}f}"
    else:
        text = f"{number:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@lru_cache(maxsize=8)
def rule_plan(ed: Edition) -> list[tuple[str, str, str, str, str | None, float]]:
    """Every rule expanded to its targets: predicate, rule_id, label, node, display name, minimum."""
    sub_names = ed.structure.set_index("node_id")["name"].to_dict()
    names = {**sub_names, **ed.indicators.set_index("indicator_id")["name"].to_dict()}
    plan = []
    for rule in ed.thresholds.itertuples(index=False):
        if rule.scope == "each_area":
            for area in ed.areas.itertuples(index=False):
                if ed.node_component(area.node_id) != rule.target:
                    continue
                part = sub_names.get(area.parent_id) if area.parent_id != rule.target else None
                name = f"{area.name} ({part})" if part else area.name
                plan.append((rule.predicate, rule.rule_id, rule.label, area.node_id, name,
                             float(rule.min_share * area.weight)))
        else:
            node = "TOTAL" if rule.scope == "total" else rule.target
            plan.append((rule.predicate, rule.rule_id, rule.label, node, names.get(node), float(rule.min_value)))
    return plan


def check(levels: pd.DataFrame, ed: Edition) -> pd.DataFrame:
    """Evaluate every rule of the edition against one assessor's levels (node_id, name, score columns)."""
    rows = check_rows(dict(zip(levels["node_id"], zip(levels["name"], levels["score"], strict=True),
                               strict=True)), ed)
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def check_rows(levels: dict[str, tuple[str, float]], ed: Edition) -> list[tuple]:
    """The rules against {node_id: (name, score)}; rows in RULE_COLUMNS order."""
    rows = []
    for predicate, rule_id, label, node, plan_name, minimum in rule_plan(ed):
        name = plan_name or levels[node][0]
        value = float(levels[node][1])
        passed = round(value, DIGITS) >= round(minimum, DIGITS)
        margin = value - minimum
        if passed:
            message = f"{name} {fmt(value)} dari minimum {fmt(minimum)}: terpenuhi"
        else:
            message = f"{name} {fmt(value)} dari minimum {fmt(minimum)}: kurang {fmt(-margin)}"
        rows.append((predicate, rule_id, label, node, name, value, minimum, passed, margin, message))
    return rows


def passes(rules: pd.DataFrame | list[tuple], predicate: str) -> bool:
    """All rules of a predicate pass (rules as a frame or as RULE_COLUMNS rows)."""
    if isinstance(rules, pd.DataFrame):
        sel = rules.loc[rules["predicate"] == predicate, "passed"]
        return bool(len(sel)) and bool(sel.all())
    sel = [r[7] for r in rules if r[0] == predicate]
    return bool(sel) and all(sel)


def predicate_of(rules: pd.DataFrame | list[tuple]) -> str:
    """The highest predicate whose rules all pass: "WBBM", "WBK" or "Belum memenuhi"."""
    for predicate in reversed(PREDICATES):
        if passes(rules, predicate):
            return predicate
    return NOT_MET


def failures(rules: pd.DataFrame, predicate: str) -> list[str]:
    sel = rules[(rules["predicate"] == predicate) & ~rules["passed"]]
    return sel["message"].tolist()
