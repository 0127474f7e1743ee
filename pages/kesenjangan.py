"""Kesenjangan: where the points are lost, across units and for one unit, and which WBK/WBBM rules fail."""

import streamlit as st

from ui import address, filters, loaders, router, widgets
from ui.text import md
from zi_data import charts, queries
from zi_data.export import Column
from zi_data.reports.data import safe_name

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

WEAK = [Column("indicator", "Indikator", width="large"), Column("mean_share", "Rata-rata capaian", "pct"),
        Column("area", "Area", phone=False), Column("weight", "Bobot", "score", phone=False),
        Column("mean_gain", "Poin hilang per unit", "score"),
        Column("total_gain", "Poin hilang (semua unit)", "score", phone=False),
        Column("units", "Unit", "int", phone=False)]
GAPS = [Column("indicator", "Indikator", width="large"), Column("gain", "Poin bisa diraih", "score"),
        Column("area", "Area", phone=False), Column("score", "Nilai", "score", phone=False),
        Column("weight", "Bobot", "score", phone=False), Column("share", "Capaian", "pct", phone=False),
        Column("membantu", "Membantu syarat", phone=False,
               help="Predikat yang syaratnya belum terpenuhi dan ikut naik bila indikator ini diperbaiki")]

st.title("Kesenjangan")
if loaders.require_data():
    filters.caption()
    f = filters.current()
    phone = widgets.phone()
    ind = loaders.query("indicator_scores", f["year"], f["assessor"], f["instansi"], f["edition"])
    if ind.empty:
        st.info(f"Belum ada nilai {f['assessor_label']} untuk pilihan ini.")
        st.stop()
    units = loaders.scores(f)
    ind = ind.merge(units[["submission_id", "unit_label"]], on="submission_id", how="left")
    # the units with indicator scores (pandas' isin on text columns costs per value given: the unique ones)
    units = units[units["submission_id"].isin(ind["submission_id"].unique())]
    complete = ind[ind["needs_review"].isna()]

    if phone:  # units x 46 indicators is a strip of 2-3 px cells on a phone: the weakest indicators instead
        st.caption("Peta capaian indikator per unit tampil di layar lebar; di ponsel, indikator terlemah di semua "
                   "unit di bawah ini.")
    else:
        st.caption("Klik sel peta untuk membuka Profil Unit unit itu. Kode indikator di bawah peta.")
        widgets.chart(charts.indicator_heatmap(complete), key="heatmap", open_unit=True)
        # the codes' names from the catalog (never file text), per area
        st.caption("  \n".join(f"**{area}**: " + " · ".join(f"{code} {name}" for code, name in items)
                               for _, area, items in charts.indicator_legend(complete)))
    widgets.review_note(units, "tidak ikut dalam peta dan indikator terlemah")

    st.subheader("Indikator terlemah")
    weak = queries.weakest_indicators(ind, top=15)
    widgets.chart(charts.weak_indicators_bar(weak, compact=phone))
    table = weak.assign(mean_share=weak["mean_share"] * 100)
    widgets.table(table, WEAK, key="weak_table")
    widgets.downloads(table, WEAK, f"indikator_terlemah_{f['year']}", "weak", "Indikator terlemah")

    st.subheader("Satu unit: poin yang masih bisa diraih")
    options = units.sort_values("unit_label")
    unit_id = filters.unit_select("Unit kerja", options,
                                  review=set(options.loc[options["needs_review"].notna(), "unit_id"]))
    row = options[options["unit_id"] == unit_id].iloc[0]
    name = row["unit_label"]
    st.page_link("pages/profil_unit.py", label=f"Buka Profil Unit {md(name)}", icon=":material/apartment:",
                 query_params=address.view_params())
    if isinstance(row["needs_review"], str):
        st.warning(f"**Perlu diperiksa**: {md(row['needs_review'])}. Poin di bawah dihitung dari bagian berkas yang "
                   "terbaca saja.", icon=":material/report:")
    gaps = loaders.query("unit_gaps", row["submission_id"], f["assessor"])
    rules = loaders.query("rule_results", row["submission_id"], f["assessor"])
    widgets.failing_rules(rules)
    widgets.chart(charts.gap_bars(gaps, compact=phone))
    table = gaps.assign(share=gaps["score"] / gaps["weight"] * 100)
    widgets.table(table, GAPS, key="gap_table")
    widgets.downloads(table, GAPS, f"kesenjangan_{safe_name(row['unit_name'])}_{f['year']}", "gap",
                      f"Kesenjangan {name}")
