"""Regenerate the edition-2021 rows of the catalog CSVs from the national master list.

Run by hand when a new master list is published; the CSVs it writes are the catalog
(reviewed and committed), this script only saves retyping 127 entries.

    python tools/build_catalog_2021.py ../shared/reference/portalrb-master-soal-lkezi-2026.json
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
EDITION = "2021"

AREA_KEYS = {
    "MANAJEMEN PERUBAHAN": "MP",
    "PENATAAN TATALAKSANA": "TL",
    "PENATAAN SISTEM MANAJEMEN SDM APARATUR": "SDM",
    "PENGUATAN AKUNTABILITAS": "AK",
    "PENGUATAN PENGAWASAN": "PW",
    "PENINGKATAN KUALITAS PELAYANAN PUBLIK": "PP",
}
TYPES = {"YA_TIDAK": "YA_TIDAK", "ABC": "ABC", "ABCD": "ABCD", "ABCDE": "ABCDE",
         "JUMLAH": "JUMLAH", "0-4": "SURVEI"}

# The percent items are not entries of the master list: the workbook computes them from the
# "Jumlah" count inputs (by master id). Text from the LKE ZI sheet of PermenPANRB 90/2021.
PERCENT = [
    # (indicator master id, question id, letter, text, formula, numerator ids, denominator ids, inserted before master id)
    (36, "P1", "a", "Agen perubahan telah membuat perubahan yang konkret di Instansi (dalam 1 tahun)",
     "ratio", [89], [88], 88),
    (36, "P2", "b", "Perubahan yang dibuat Agen Perubahan telah terintegrasi dalam sistem manajemen",
     "ratio", [91], [90], 90),
    (46, "P3", "a", "Penurunan pelanggaran disiplin pegawai", "decline", [102], [103], 102),
    (48, "P4", "-", "Persentase Sasaran dengan capaian 100% atau lebih", "ratio", [106], [105], 105),
    (53, "P5", "-", "Persentase penanganan pengaduan masyarakat", "ratio", [112], [110], 110),
    (55, "P6", "-", "Persentase penyampaian LHKPN", "ratio", [116], [113, 114, 115], 113),
    (56, "P7", "-", "Persentase penyampaian LHKASN", "ratio", [120], [117, 118, 119], 117),
    (58, "P8", "b", "Upaya dan/atau inovasi pada perijinan/pelayanan telah mempermudah pelayanan",
     "ratio", [123], [122], 122),
]
PERCENT_DESC = {
    "ratio": "a / b (jumlah), maksimal 1; b = 0 berarti tidak dinilai",
    "decline": "(a - b) / a dengan a = tahun lalu, b = tahun ini; minimal 0; 1 bila keduanya 0; 0 bila a = 0 dan b > 0",
}


SMALL_WORDS = {"dan", "yang", "dari", "di", "dalam", "untuk", "atas", "terhadap"}
ACRONYMS = {"SDM", "KKN", "TI", "SOP", "SPBE", "SPIP", "LHKPN", "WBK", "WBBM", "IPAK", "IPKP"}


def nice_title(text: str) -> str:
    """"PENATAAN SISTEM MANAJEMEN SDM APARATUR" -> "Penataan Sistem Manajemen SDM Aparatur"."""
    words = []
    for i, w in enumerate(text.split()):
        if w.upper() in ACRONYMS:
            words.append(w.upper())
        elif i and w.lower() in SMALL_WORDS:
            words.append(w.lower())
        else:
            words.append(w.capitalize())
    return " ".join(words)


def split_code(nama: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9]+\.)\s*(.*)$", nama)
    return (m.group(1), m.group(2).strip()) if m else ("", nama.strip())


def main(path: str) -> None:
    master = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    structure, indicators, questions, rules = [], [], [], []
    percent_by_indicator: dict[int, list] = {}
    for p in PERCENT:
        percent_by_indicator.setdefault(p[0], []).append(p)

    def add_questions(node, indicator_id):
        seq = 0
        pending = sorted(percent_by_indicator.get(node["id"], []), key=lambda p: p[7])
        for s in node.get("soals", []):
            while pending and pending[0][7] == s["id"]:
                _, qid, letter, text, formula, num, den, _ = pending.pop(0)
                seq += 1
                questions.append(dict(edition=EDITION, question_id=qid, indicator_id=indicator_id, seq=seq,
                                      letter=letter, text=text, criteria="", answer_type="PERSEN",
                                      role="percent", jawaban_row="", master_id=""))
                rules.append(dict(edition=EDITION, question_id=qid, formula=formula,
                                  a="+".join(f"M{i:03d}" for i in num),
                                  b="+".join(f"M{i:03d}" for i in den),
                                  description=PERCENT_DESC[formula]))
            seq += 1
            atype = TYPES[s["jenis_jawaban"].upper()]
            role = "count" if atype == "JUMLAH" else "scored"
            questions.append(dict(edition=EDITION, question_id=f"M{s['id']:03d}", indicator_id=indicator_id,
                                  seq=seq, letter="", text=" ".join(s["teks_pertanyaan"].split()),
                                  criteria=s["kriteria_nilai"].strip(), answer_type=atype, role=role,
                                  jawaban_row=s["excel_baris"], master_id=s["id"]))
        assert not pending, pending

    def letters(indicator_id):
        qs = [q for q in questions if q["indicator_id"] == indicator_id and q["role"] != "count"]
        for i, q in enumerate(qs):
            if not q["letter"]:
                q["letter"] = "abcdefghij"[i] if len(qs) > 1 else "-"

    for komp_seq, komp in enumerate(master, 1):
        kcode, kname = split_code(komp["nama"])
        kid = "PENGUNGKIT" if "PENGUNGKIT" in kname else "HASIL"
        structure.append(dict(edition=EDITION, node_id=kid, parent_id="", level="komponen", code=kcode,
                              name=nice_title(kname), weight=komp["bobot_maksimal"], seq=komp_seq, area_key=""))
        for sub_seq, sub in enumerate(komp["children"], 1):
            scode, sname = split_code(sub["nama"])
            if kid == "PENGUNGKIT":
                sid = sname.upper()  # PEMENUHAN / REFORM
                structure.append(dict(edition=EDITION, node_id=sid, parent_id=kid, level="sub_komponen",
                                      code=scode, name=nice_title(sname), weight=sub["bobot_maksimal"],
                                      seq=sub_seq, area_key=""))
                for area_seq, area in enumerate(sub["children"], 1):
                    acode, aname = split_code(area["nama"])
                    akey = AREA_KEYS[aname]
                    aid = f"{sid[:3]}_{akey}"
                    structure.append(dict(edition=EDITION, node_id=aid, parent_id=sid, level="area", code=acode,
                                          name=nice_title(aname), weight=area["bobot_maksimal"], seq=area_seq,
                                          area_key=akey))
                    ind_seq = 0
                    for ind in area["children"]:
                        leaves = ind["children"] or [ind]
                        group = split_code(ind["nama"])[1] if ind["children"] else ""
                        for leaf in leaves:
                            ind_seq += 1
                            icode, iname = split_code(leaf["nama"])
                            iid = f"{aid}_{ind_seq:02d}"
                            indicators.append(dict(edition=EDITION, indicator_id=iid, area_id=aid, seq=ind_seq,
                                                   code=icode, name=iname, group_name=group,
                                                   weight=leaf["bobot_maksimal"]))
                            add_questions(leaf, iid)
                            letters(iid)
            else:
                akey = "BERSIH" if "BERSIH" in sname else "PELAYANAN"
                aid = f"HAS_{akey}"
                structure.append(dict(edition=EDITION, node_id=aid, parent_id=kid, level="area", code=scode,
                                      name=nice_title(sname), weight=sub["bobot_maksimal"], seq=sub_seq,
                                      area_key=akey))
                for ind_seq, s in enumerate(sub["soals"], 1):
                    iid = f"{aid}_{ind_seq:02d}"
                    indicators.append(dict(edition=EDITION, indicator_id=iid, area_id=aid, seq=ind_seq,
                                           code="abcdefg"[ind_seq - 1] + ".", name=" ".join(s["teks_pertanyaan"].split()),
                                           group_name="", weight=s["bobot_maksimal"]))
                    node = {"id": None, "soals": [s]}
                    add_questions(node, iid)
                    letters(iid)

    def rewrite(name, rows, fields):
        out = DATA / name
        kept = []
        if out.exists():
            with out.open(encoding="utf-8", newline="") as f:
                kept = [r for r in csv.DictReader(f) if r["edition"] != EDITION]
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            w.writeheader()
            w.writerows(kept + rows)

    rewrite("structure.csv", structure, list(structure[0]))
    rewrite("indicators.csv", indicators, list(indicators[0]))
    rewrite("questions.csv", questions, list(questions[0]))
    rewrite("percent_rules.csv", rules, list(rules[0]))
    print(f"{len(structure)} nodes, {len(indicators)} indicators, {len(questions)} questions, {len(rules)} rules")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/portalrb-master-soal-lkezi-2026.json")
