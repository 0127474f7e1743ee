"""WBK/WBBM rules (data/thresholds.csv) -> pass/fail per rule with the margin, for one assessor's scores."""

from __future__ import annotations

import pandas as pd

from .catalog import Edition

PREDICATES = ("WBK", "WBBM")
RULE_COLUMNS = ["predicate", "rule_id", "label", "target", "target_name", "value", "minimum", "passed", "margin",
                "message"]
# Scores are sums of floats: compare after rounding so 75.00 computed as 74.99999999 still passes.
DIGITS = 6
NOT_MET = "Belum memenuhi"


def fmt(number: float, digits: int = 2) -> str:
    """A number the Indonesian way: 1.234,56."""
    text = f"{number:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def check(levels: pd.DataFrame, ed: Edition) -> pd.DataFrame:
    """Evaluate every rule of the edition against one assessor's level rows (scoring.LEVEL_COLUMNS)."""
    by_node = levels.set_index("node_id")
    sub_names = ed.structure.set_index("node_id")["name"].to_dict()
    rows = []
    for rule in ed.thresholds.itertuples(index=False):
        if rule.scope == "each_area":
            areas = ed.areas[[ed.node_component(a) == rule.target for a in ed.areas["node_id"]]]
            targets = []
            for area in areas.itertuples(index=False):
                part = sub_names.get(area.parent_id) if area.parent_id != rule.target else None
                name = f"{area.name} ({part})" if part else area.name
                targets.append((area.node_id, name, rule.min_share * area.weight))
        else:
            node = "TOTAL" if rule.scope == "total" else rule.target
            targets = [(node, by_node.at[node, "name"], rule.min_value)]
        for node, name, minimum in targets:
            value = float(by_node.at[node, "score"])
            passed = round(value, DIGITS) >= round(minimum, DIGITS)
            margin = value - minimum
            if passed:
                message = f"{name} {fmt(value)} dari minimum {fmt(minimum)}: terpenuhi"
            else:
                message = f"{name} {fmt(value)} dari minimum {fmt(minimum)}: kurang {fmt(-margin)}"
            rows.append((rule.predicate, rule.rule_id, rule.label, node, name, value, minimum, passed, margin,
                         message))
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def predicate_of(rules: pd.DataFrame) -> str:
    """The highest predicate whose rules all pass: "WBBM", "WBK" or "Belum memenuhi"."""
    for predicate in reversed(PREDICATES):
        sel = rules[rules["predicate"] == predicate]
        if len(sel) and sel["passed"].all():
            return predicate
    return NOT_MET


def failures(rules: pd.DataFrame, predicate: str) -> list[str]:
    sel = rules[(rules["predicate"] == predicate) & ~rules["passed"]]
    return sel["message"].tolist()
