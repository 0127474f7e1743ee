"""The demo's fictional work units: their names by instansi and how each one fares over the years.

Shared by the demo's workbooks (demo.py) and its cycle (cycle/demo.py), which both make the same units."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Fictional units of realistic kinds, grouped by instansi.
INSTANSI = {
    "Pemerintah Kota Harapan Jaya": [
        "Dinas Kesehatan", "Dinas Kependudukan dan Pencatatan Sipil", "Dinas Penanaman Modal dan PTSP",
        "Puskesmas Sukamaju", "Puskesmas Cempaka", "Puskesmas Melati", "RSUD Harapan Jaya", "Kecamatan Sukamaju",
        "Dinas Perhubungan", "Badan Pendapatan Daerah", "Dinas Sosial", "Kecamatan Cempaka",
    ],
    "Kementerian Agama": [
        "KUA Kecamatan Sukamaju", "KUA Kecamatan Cempaka", "Kantor Kemenag Kota Harapan Jaya", "MAN 1 Harapan Jaya",
        "MTsN 2 Harapan Jaya", "KUA Kecamatan Melati", "Kantor Kemenag Kabupaten Sejahtera", "MIN 3 Sejahtera",
        "KUA Kecamatan Bahagia", "MAN 2 Sejahtera",
    ],
    "Kementerian Keuangan": [
        "KPP Pratama Harapan Jaya", "KPPN Harapan Jaya", "KPKNL Harapan Jaya", "Kantor Bea Cukai Pelabuhan Nusa",
        "KPP Madya Sejahtera", "KPP Pratama Sejahtera", "KPPN Sejahtera", "Kantor Wilayah DJP Nusantara",
    ],
    "Badan Pusat Statistik": [
        "BPS Kota Harapan Jaya", "BPS Kabupaten Sejahtera", "BPS Kabupaten Bahagia", "BPS Kabupaten Makmur",
        "BPS Kota Nusa", "BPS Provinsi Nusantara",
    ],
    "Kepolisian Daerah Nusantara": [
        "Polres Harapan Jaya", "Polres Sejahtera", "Polsek Sukamaju", "Polsek Cempaka", "Satpas SIM Harapan Jaya",
        "Polres Bahagia",
    ],
    "Pemerintah Kabupaten Sejahtera": [
        "Dinas Pendidikan", "Dinas Pekerjaan Umum", "RSUD Sejahtera", "Puskesmas Mawar", "Puskesmas Anggrek",
        "Dinas Kependudukan dan Pencatatan Sipil Sejahtera", "Inspektorat Daerah", "Kecamatan Mawar",
        "Dinas Lingkungan Hidup", "Badan Kepegawaian Daerah", "Dinas Koperasi dan UKM", "Kecamatan Anggrek",
    ],
}
# Instansi whose units are assessed by their own TPI and then by the ministry's inspectorate general.
TWO_TPI_LEVELS = {"Kementerian Keuangan"}


@dataclass
class DemoUnit:
    name: str
    instansi: str
    maturity: float  # 0..1: how well the unit does in the first year
    trend: float  # change of maturity per year (units improve or slip)
    overclaim: float  # 0..1: how often the TPI marks an answer down
    layout: str  # "jawaban" (template), "lke_zi" (PermenPANRB 90/2021 sheet) or "lke_zi_levels" (two TPI levels)


def make_units(n: int, rng: random.Random) -> list[DemoUnit]:
    pool = [(u, i) for i, units in INSTANSI.items() for u in units]
    rng.shuffle(pool)
    units = []
    for k in range(n):
        name, instansi = pool[k % len(pool)]
        if k >= len(pool):  # more units than names: number the extra ones
            name = f"{name} {k // len(pool) + 1}"
        units.append(DemoUnit(
            name=name, instansi=instansi,
            maturity=rng.uniform(0.55, 0.97), trend=rng.choice([0.06, 0.04, 0.03, 0.0, -0.03, -0.05]),
            overclaim=rng.uniform(0.03, 0.35), layout="lke_zi" if rng.random() < 0.25 else "jawaban",
        ))
        if instansi in TWO_TPI_LEVELS:  # a ministry: the unit's own TPI, then the inspectorate general
            units[-1].layout = "lke_zi_levels"
    return units
