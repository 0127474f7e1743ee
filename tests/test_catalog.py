"""The catalog CSVs checked like a schema: keys, weights, answer types, seed indicators, master list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from zi_data.catalog import load_catalog

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
MASTER = REFERENCE / "portalrb-master-soal-lkezi-2026.json"
KNOWN_TYPES = {"YA_TIDAK", "ABC", "ABCD", "ABCDE", "PERSEN", "JUMLAH", "SURVEI"}

# The 26 indicators of the seed, by name (seed numbering).
SEED_INDICATORS = [
    "Penyusunan Tim Kerja", "Rencana Pembangunan Zona Integritas", "Pemantauan dan Evaluasi",
    "Perubahan Pola Pikir dan Budaya Kerja", "Prosedur Operasional Tetap", "E-Office",
    "Keterbukaan Informasi Publik", "Perencanaan Kebutuhan Pegawai", "Pola Mutasi Internal",
    "Pengembangan Pegawai Berbasis Kompetensi", "Penetapan Kinerja Individu", "Penegakan Aturan Disiplin",
    "Sistem Informasi Kepegawaian", "Keterlibatan Pimpinan", "Pengelolaan Akuntabilitas Kinerja",
    "Pengendalian Gratifikasi", "Sistem Pengawasan Internal Pemerintah", "Pengaduan Masyarakat",
    "Whistle Blowing System", "Penanganan Benturan Kepentingan", "Standar Pelayanan", "Budaya Pelayanan Prima",
    "Penilaian Kepuasan Terhadap Pelayanan", "Survey Persepsi Korupsi", "Temuan Hasil Pemeriksaan",
    "persepsi kualitas pelayanan",
]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_keys_are_unique(catalog, edition):
    ed = catalog[edition]
    assert ed.structure["node_id"].is_unique
    assert ed.indicators["indicator_id"].is_unique
    assert ed.questions["question_id"].is_unique
    rows = ed.answerable["jawaban_row"]
    assert rows.notna().all() and rows.is_unique


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_every_reference_points_at_something(catalog, edition):
    ed = catalog[edition]
    nodes = set(ed.structure["node_id"])
    assert set(ed.structure["parent_id"]) - {""} <= nodes
    assert set(ed.indicators["area_id"]) <= set(ed.areas["node_id"])
    assert set(ed.questions["indicator_id"]) == set(ed.indicators["indicator_id"])
    counts = set(ed.questions.loc[ed.questions["role"] == "count", "question_id"])
    used = {q for rule in ed.percent_rules.itertuples() for q in (*rule.a, *rule.b)}
    assert used <= counts
    percent = set(ed.questions.loc[ed.questions["role"] == "percent", "question_id"])
    assert percent == set(ed.percent_rules["question_id"])
    targets = ed.thresholds.loc[ed.thresholds["scope"] != "total", "target"]
    assert set(targets) <= nodes | set(ed.indicators["indicator_id"])


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_weights_of_children_add_up_to_their_parent(catalog, edition):
    ed = catalog[edition]
    s = ed.structure
    komponen = s[s["level"] == "komponen"].set_index("node_id")["weight"]
    assert komponen.to_dict() == {"PENGUNGKIT": 60, "HASIL": 40}
    for node in s.itertuples():
        children = s[s["parent_id"] == node.node_id]
        if node.level == "area":
            total = ed.indicators.loc[ed.indicators["area_id"] == node.node_id, "weight"].sum()
        else:
            total = children["weight"].sum()
        assert total == pytest.approx(node.weight), node.node_id


def test_pemenuhan_and_reform_are_30_each_and_split_every_area_equally(catalog):
    s = catalog["2021"].structure.set_index("node_id")
    assert s.at["PEMENUHAN", "weight"] == 30 and s.at["REFORM", "weight"] == 30
    for key, weight in {"MP": 4, "TL": 3.5, "SDM": 5, "AK": 5, "PW": 7.5, "PP": 5}.items():
        assert s.at[f"PEM_{key}", "weight"] == weight
        assert s.at[f"REF_{key}", "weight"] == weight


def test_2019_area_weights_follow_zi_rules(catalog):
    s = catalog["2019"].structure.set_index("node_id")["weight"].to_dict()
    assert {k: s[k] for k in ("MP", "TL", "SDM", "AK", "PW", "PP", "HAS_BERSIH", "HAS_PELAYANAN")} == {
        "MP": 8, "TL": 7, "SDM": 10, "AK": 10, "PW": 15, "PP": 10, "HAS_BERSIH": 22.5, "HAS_PELAYANAN": 17.5}


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_answer_types_are_known_and_have_options(catalog, edition):
    ed = catalog[edition]
    assert set(ed.questions["answer_type"]) <= KNOWN_TYPES
    kinds = ed.answer_types.set_index("answer_type")["kind"]
    for t in set(ed.questions["answer_type"]):
        if kinds[t] == "option":
            assert ed.options[t]["A" if t != "YA_TIDAK" else "Ya"] == 1


def test_answer_values_are_those_of_the_rules(catalog):
    o = catalog["2021"].options
    assert o["YA_TIDAK"] == {"Ya": 1, "Tidak": 0}
    assert o["ABC"] == {"A": 1, "B": 0.5, "C": 0}
    assert o["ABCD"] == {"A": 1, "B": 0.67, "C": 0.33, "D": 0}
    assert o["ABCDE"] == {"A": 1, "B": 0.75, "C": 0.5, "D": 0.25, "E": 0}


def test_all_26_seed_indicators_are_in_edition_2019_in_order(catalog):
    names = catalog["2019"].indicators["name"].str.casefold().tolist()
    assert len(names) == 26
    for i, wanted in enumerate(SEED_INDICATORS):
        assert wanted.casefold() in names[i], (i + 1, wanted, names[i])


def test_2019_has_a_question_per_seed_bullet(catalog):
    per_indicator = catalog["2019"].scored_questions.groupby("indicator_id").size()
    # seed bullets: 1:3 2:3 3:2 4:4 5:3 6:3 7:2 8:3 9:3 10:3 11:4 12:1 13:1 14:3 15:6 16:2 17:4 18:4
    # 19:3 20:5 21:4 22:5 23:3, and the three hasil items
    assert per_indicator.sum() == 3 + 3 + 2 + 4 + 3 + 3 + 2 + 3 + 3 + 3 + 4 + 1 + 1 + 3 + 6 + 2 + 4 + 4 + 3 + 5 + 4 + 5 + 3 + 3


def test_thresholds_say_where_each_number_comes_from(catalog):
    for edition in ("2019", "2021"):
        t = catalog[edition].thresholds
        assert (t["source"].str.len() > 10).all()
        assert set(t["predicate"]) == {"WBK", "WBBM"}
    t = catalog["2021"].thresholds.set_index(["predicate", "rule_id"])
    assert t.at[("WBK", "total"), "min_value"] == 75 and t.at[("WBBM", "total"), "min_value"] == 85
    assert t.at[("WBK", "area"), "min_share"] == 0.6 and t.at[("WBBM", "area"), "min_share"] == 0.75


def test_editions_cover_the_years(catalog):
    assert catalog.edition_for_year(2020) == "2019"
    assert catalog.edition_for_year(2022) == "2021"
    assert catalog.edition_for_year(2026) == "2021"


@pytest.mark.skipif(not MASTER.exists(), reason="../shared/reference is not present")
def test_every_master_list_entry_is_in_edition_2021(catalog):
    master = json.loads(MASTER.read_text(encoding="utf-8"))["data"]

    def entries(node):
        yield from node.get("soals", [])
        for child in node["children"]:
            yield from entries(child)

    soals = [s for node in master for s in entries(node)]
    assert len(soals) == 127
    q = catalog["2021"].questions
    by_master = q[q["master_id"] != ""].set_index("master_id")
    types = {"YA_TIDAK": "YA_TIDAK", "ABC": "ABC", "ABCD": "ABCD", "ABCDE": "ABCDE", "JUMLAH": "JUMLAH",
             "0-4": "SURVEI"}
    for s in soals:
        row = by_master.loc[str(s["id"])]
        assert row["text"] == " ".join(s["teks_pertanyaan"].split())
        assert row["jawaban_row"] == s["excel_baris"]
        assert row["answer_type"] == types[s["jenis_jawaban"].upper()]
    assert (q["role"] == "count").sum() == 22
    assert (q[q["master_id"] != ""]["role"] == "scored").sum() == 105
    # leaf sub_area weights of the master list equal the catalog's indicator weights, in order
    leaves = []

    def walk(node):
        if node["level"] == "sub_area" and not node["children"]:
            leaves.append(node["bobot_maksimal"])
        for child in node["children"]:
            walk(child)

    for node in master:
        walk(node)
    pengungkit = catalog["2021"].indicators[~catalog["2021"].indicators["area_id"].str.startswith("HAS")]
    assert pengungkit["weight"].tolist() == leaves


def test_catalog_files_have_no_blank_required_cells():
    data = Path(__file__).resolve().parents[1] / "data"
    required = {
        "structure.csv": ["edition", "node_id", "level", "name", "weight"],
        "indicators.csv": ["edition", "indicator_id", "area_id", "name", "weight"],
        "questions.csv": ["edition", "question_id", "indicator_id", "text", "answer_type", "role"],
    }
    for name, cols in required.items():
        df = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        for col in cols:
            assert (df[col].str.strip() != "").all(), (name, col)
