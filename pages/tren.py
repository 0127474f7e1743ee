"""Tren: scores over the years per unit, per instansi, or per area."""

import streamlit as st

from ui import filters, loaders, router, widgets
from ui.text import md
from zi_data import charts, queries
from zi_data.export import Column

router.page_guard()  # first: nothing below runs unless dashboard.py's sign-in gate has passed

st.title("Tren")
if loaders.require_data():
    f = filters.current()
    phone = widgets.phone()
    inst = filters.instansi_text(f["instansi"])
    st.caption(md(f"Semua tahun · {inst} · jawaban {f['assessor_label']}"))
    by = st.radio("Tampilkan per", ["Unit kerja", "Instansi", "Area"], horizontal=True, key="trend_by")
    if by == "Unit kerja":
        all_units = loaders.query("trend", f["assessor"], "unit", f["instansi"])
        # Each unit chosen by its key and listed by its label, as on Profil Unit (the name, with the instansi when
        # another unit has the same name): two "Dinas Kesehatan" of two Pemda stay two choices and two lines.
        units = all_units.drop_duplicates("unit_id")
        label_of = dict(zip(units["unit_id"], queries.unit_labels(units), strict=True))
        all_units = all_units.assign(unit_label=all_units["unit_id"].map(label_of))
        options = sorted(label_of, key=label_of.get)

        def best_five() -> list[str]:
            """On first use: the five best units of the year in the sidebar."""
            ids = loaders.scores(f).sort_values("total", ascending=False)["unit_id"]
            return [u for u in ids if u in label_of][:5]

        filters.keep_choices("trend_units", options, best_five)
        chosen = st.multiselect("Unit kerja", options, key="trend_units", placeholder="Pilih unit",
                                max_selections=len(charts.SERIES), format_func=label_of.get,
                                select_all=False)
        data = all_units[all_units["unit_id"].isin(chosen)] if chosen else all_units.iloc[0:0]
        partial = data[data["needs_review"].notna()].drop_duplicates(["unit_id", "year"])
        if len(partial):
            st.warning("Tidak digambar karena berkasnya **perlu diperiksa** (hanya sebagian cocok dengan daftar "
                       "pertanyaan): " + "; ".join(md(f"{r.unit_label} {r.year}") for r in partial.itertuples()),
                       icon=":material/report:")
        data = data[data["needs_review"].isna()]
        totals = data.drop_duplicates(["unit_id", "year"])
        widgets.chart(charts.trend_lines(totals, "total", "unit_label", "Nilai total per tahun",
                                         totals["edition"].tolist(), compact=phone))
        if len(chosen) == 1:
            widgets.chart(charts.trend_lines(data, "share", "area", "Capaian area per tahun", compact=phone))
        table = totals
        columns = [Column("unit_label", "Unit kerja", width="medium"), Column("year", "Tahun", "int"),
                   Column("total", "Nilai total", "score"), Column("edition", "Edisi", phone=False),
                   Column("instansi", "Instansi", phone=False)]
    elif by == "Instansi":
        data = loaders.query("trend", f["assessor"], "instansi", f["instansi"])
        totals = data.drop_duplicates(["instansi", "year"])
        widgets.chart(charts.trend_lines(totals, "total", "instansi", "Rata-rata nilai total per instansi",
                                         totals["edition"].tolist(), compact=phone))
        table = totals
        columns = [Column("instansi", "Instansi", width="medium"), Column("year", "Tahun", "int"),
                   Column("total", "Rata-rata nilai total", "score"), Column("units", "Unit", "int"),
                   Column("edition", "Edisi", phone=False)]
    else:
        data = loaders.query("trend", f["assessor"], "instansi", f["instansi"])
        if not data.empty:
            data = data.groupby(["year", "area_key", "area"], as_index=False)["share"].mean()
        widgets.chart(charts.trend_lines(data, "share", "area", "Rata-rata capaian enam area per tahun",
                                         compact=phone))
        table = data.assign(share=data["share"] * 100) if not data.empty else data
        columns = [Column("area", "Area", width="medium"), Column("year", "Tahun", "int"),
                   Column("share", "Rata-rata capaian (% bobot)", "score")]
    if not table.empty:
        widgets.downloads(table, columns, "tren", "trend", f"Tren per {by.lower()}",
                          note=f"semua tahun · {inst} · jawaban {f['assessor_label']}")
