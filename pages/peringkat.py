"""Peringkat: rank units by total, Pengungkit, Hasil or any area; compare 2 to 5 units side by side."""

import streamlit as st

from ui import address, filters, loaders, router, widgets
from ui.text import md
from zi_data import charts
from zi_data.export import Column
from zi_data.predicates import DIGITS
from zi_data.queries import AREA_KEYS, AREA_NAMES

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

METRICS = {"Nilai total": "total", "Pengungkit": "pengungkit", "Hasil": "hasil",
           **{f"Area: {AREA_NAMES[k]}": k for k in AREA_KEYS}}
AREA_LEGEND = " · ".join(f"**{k}** {AREA_NAMES[k]}" for k in AREA_KEYS)

st.title("Peringkat")
if loaders.require_data():
    filters.caption()
    f = filters.current()
    phone = widgets.phone()
    df = loaders.scores(f).copy()
    c1, c2 = st.columns([2, 3])
    metric_label = c1.selectbox("Urutkan menurut", list(METRICS), key="rank_metric")
    # live: the list follows the typing (no English "Press Enter to apply" under the box)
    search = c2.text_input("Cari unit kerja", key="rank_search", placeholder="ketik sebagian nama unit", live=True)
    metric = METRICS[metric_label]
    for key in AREA_KEYS:  # shares 0-1 -> % of the area's weight
        df[key] = df[key] * 100
    df["kelengkapan"] = df["completeness"] * 100
    # Ranked: complete files with a score for the metric. A partial file ("perlu diperiksa") and a unit
    # without a score at this level (no TPI yet) are listed apart, never given a rank.
    unscored = df[df["needs_review"].isna() & df[metric].isna()]
    ranked = df[df["needs_review"].isna() & df[metric].notna()].sort_values([metric, "unit_label"],
                                                                              ascending=[False, True])
    # the rank is given before any search: a search shows the real place of each unit found
    ranked.insert(0, "peringkat", ranked[metric].round(DIGITS).rank(method="min", ascending=False)
                  .astype(int))
    shown = ranked[ranked["unit_label"].str.contains(search, case=False, regex=False)] if search else ranked
    value_col = [Column(metric, metric_label.removeprefix("Area: "), "pct" if metric in AREA_KEYS else "score",
                        help="% capaian terhadap bobot area" if metric in AREA_KEYS else None, width=80)]
    # The predicate and every area within a 1440 px screen: the areas as numbers, completeness and instansi last.
    columns = [
        Column("peringkat", "No", "int", width=44),
        Column("unit_label", "Unit kerja", width=200),
        *value_col,
        Column("predicate", "Predikat"),
        Column("change", "Perubahan", "change", help="Nilai total dibanding tahun lalu (edisi LKE yang sama)",
               phone=False, width=84),
        *[Column(k, label, "score", phone=False, width=width)
          for k, label, width in (("total", "Total", 64), ("pengungkit", "Pengungkit", 84), ("hasil", "Hasil", 64))
          if k != metric],
        *[Column(k, k, "pct", help=f"{AREA_NAMES[k]}: % capaian terhadap bobot area (Pemenuhan + Reform)",
                 phone=False, width=46, bar=False) for k in AREA_KEYS if k != metric],
        Column("kelengkapan", "Kelengkapan", "pct", help="Pertanyaan yang sudah dijawab", phone=False, width=90,
               bar=False),
        Column("instansi", "Instansi", phone=False, width="medium"),
    ]
    st.caption(f"{len(shown)} dari {len(ranked)} unit diperingkat · klik baris untuk membuka Profil Unit"
               + ("" if phone else f" · kolom area (% capaian terhadap bobot): {AREA_LEGEND}"))
    row = widgets.table(shown, columns, key="rank_table", height=420, select=True)
    if row is not None:
        address.open_profile(shown["unit_id"].iloc[row])
    if len(unscored):
        st.info(f"{len(unscored)} unit belum dinilai ({f['assessor_label']}) untuk {metric_label.lower()}: tidak "
                "diperingkat.", icon=":material/hourglass:")
        with st.expander(f"Unit yang belum dinilai ({len(unscored)})"):
            st.markdown(md(", ".join(sorted(unscored["unit_label"]))))
    widgets.review_note(df, "tidak diperingkat")
    widgets.downloads(ranked, columns, f"peringkat_{f['year']}_{metric}", "peringkat", f"Peringkat menurut {metric_label}")
    widgets.chart(charts.ranking_bars(shown, metric, metric_label, compact=phone), key="rank_chart", open_unit=True)

    st.subheader("Bandingkan unit")
    # every ranked unit, by its key, listed by label: neither a search nor another order changes the choices
    labels = dict(zip(ranked["unit_id"], ranked["unit_label"], strict=True))
    ids = sorted(labels, key=labels.get)
    filters.keep_choices("rank_compare", ids, lambda: ranked["unit_id"].head(3).tolist())
    chosen = st.multiselect("Pilih 2 sampai 5 unit", ids, max_selections=5, key="rank_compare",
                            placeholder="Pilih unit", format_func=labels.get, select_all=False)
    kind = st.radio("Tampilan", ["Batang", "Radar"], horizontal=True, key="rank_kind")
    if 2 <= len(chosen) <= 5:
        sel = ranked.set_index("unit_id").loc[chosen].reset_index()
        for k in AREA_KEYS:
            sel[k] = sel[k] / 100
        widgets.chart(charts.compare_units(sel, "radar" if kind == "Radar" else "bar", compact=phone))
        widgets.table(sel, [Column("unit_label", "Unit kerja", width="medium"), Column("total", "Total", "score"),
                            Column("predicate", "Predikat"), Column("pengungkit", "Pengungkit", "score"),
                            Column("hasil", "Hasil", "score")], key="compare_table")
    else:
        st.info("Pilih 2 sampai 5 unit untuk dibandingkan.")
