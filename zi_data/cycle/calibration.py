"""How far the TPI's scores sit from the national team's: per unit, per instansi, per area, and the verdicts that differ."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ..catalog import load_catalog
from ..predicates import fmt, rule_plan


@lru_cache(maxsize=32)
def minimum(edition: str, predikat: str, node: str = "TOTAL") -> float | None:
    """A predicate's minimum for the total ("TOTAL") or a node such as PENGUNGKIT: the first rule of
    data/thresholds.csv about that node, as predicates.rule_plan expands them for scoring."""
    return next((least for predicate, _, _, target, _, least in rule_plan(load_catalog()[edition])
                 if predicate == predikat and target == node), None)


def by_unit(units: pd.DataFrame) -> pd.DataFrame:
    """Units with both a TPI and a TPN total (unit_name, instansi, edition, tpi_total, tpi_predicate, tpn_total,
    keputusan), with the difference TPI - TPN."""
    data = units.dropna(subset=["tpi_total", "tpn_total"]).copy()
    data["selisih"] = data["tpi_total"] - data["tpn_total"]
    return data.sort_values("selisih", ascending=False).reset_index(drop=True)


def by_instansi(units: pd.DataFrame) -> pd.DataFrame:
    """Mean TPI, TPN and difference per instansi, with the number of units compared."""
    data = by_unit(units)
    if data.empty:
        return pd.DataFrame(columns=["instansi", "units", "tpi_mean", "tpn_mean", "selisih_mean"])
    g = data.groupby("instansi", as_index=False).agg(units=("unit_id", "nunique"), tpi_mean=("tpi_total", "mean"),
                                                     tpn_mean=("tpn_total", "mean"), selisih_mean=("selisih", "mean"))
    return g.sort_values("selisih_mean", ascending=False).reset_index(drop=True)


def by_area(areas: pd.DataFrame) -> pd.DataFrame:
    """Mean TPI - TPN per area (points, and as a share of the area's weight), only over units whose TPN area
    value is known; the areas the TPN marks down most come first.

    `areas`: unit_id, area_key, area, weight, tpi (points), tpn (points or missing)."""
    data = areas.dropna(subset=["tpi", "tpn"]).copy()
    if data.empty:
        return pd.DataFrame(columns=["area_key", "area", "units", "selisih_mean", "selisih_share"])
    data["selisih"] = data["tpi"] - data["tpn"]
    data["share"] = data["selisih"] / data["weight"]
    g = data.groupby(["area_key", "area"], as_index=False).agg(units=("unit_id", "nunique"),
                                                               selisih_mean=("selisih", "mean"),
                                                               selisih_share=("share", "mean"))
    return g.sort_values(["selisih_mean", "area_key"], ascending=[False, True]).reset_index(drop=True)


def disagreements(units: pd.DataFrame) -> pd.DataFrame:
    """Units the TPI found WBK or WBBM and the TPN did not: its decision is lower, or (with no decision yet) its
    total is below the predicate's minimum. Columns: unit_name, instansi, tpi_predicate, tpn_total, keputusan,
    alasan."""
    rows = []
    for r in by_unit(units).itertuples(index=False):
        said = r.tpi_predicate
        if said not in ("WBK", "WBBM"):
            continue
        decision = r.keputusan if isinstance(r.keputusan, str) else None
        if decision is not None:
            granted = decision == "WBBM" or (decision == "WBK" and said == "WBK")
            if not granted:
                rows.append((r.unit_name, r.instansi, said, r.tpi_total, r.tpn_total, decision,
                             f"TPI: {said}, keputusan TPN: {decision}"))
            continue
        least = minimum(r.edition, said)
        if least is not None and round(r.tpn_total, 6) < least:
            rows.append((r.unit_name, r.instansi, said, r.tpi_total, r.tpn_total, None,
                         f"TPI: {said}, nilai TPN {fmt(r.tpn_total)} di bawah minimum {said} {fmt(least)}"))
    return pd.DataFrame(rows, columns=["unit_name", "instansi", "tpi_predicate", "tpi_total", "tpn_total",
                                       "keputusan", "alasan"])
