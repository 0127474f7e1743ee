"""The inspectorate's letterhead and team for the LHE, read from `kop.toml`, a file it fills in once.

Without the file a unit's report stays a draft marked DRAF; with it the report carries the letterhead, number,
basis of the assignment, the team and the signature block. The pages read `kop.toml` beside the database (by
default `data/kop.toml`); `zi laporan` does too, or takes `--kop FILE`. `data/kop.contoh.toml` is the example.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

KOP_FILE = "kop.toml"
# The keys of the file: (key, required). People are tables of nama and nip (mengetahui also jabatan).
TEXT_KEYS = (("penilai", True), ("alamat", False), ("kota", True), ("nomor", True), ("dasar", True))
PERSON_KEYS = {"ketua_tim": ("nama", "nip"), "anggota": ("nama", "nip"), "mengetahui": ("jabatan", "nama", "nip")}
KNOWN = {k for k, _ in TEXT_KEYS} | set(PERSON_KEYS)
# The placeholders `nomor` may hold; anything else in braces is refused (never run as a format string).
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("tahun", "unit")


class KopError(ValueError):
    """kop.toml cannot be used; the message (Bahasa Indonesia) names the file, the line or key, and what to write
    instead."""


@dataclass(frozen=True)
class Person:
    nama: str
    nip: str
    jabatan: str = ""


@dataclass(frozen=True)
class Kop:
    """What kop.toml says, checked: every text non-empty where required, people with name and NIP."""

    penilai: str
    alamat: str
    kota: str
    nomor: str
    dasar: str
    ketua_tim: Person
    anggota: tuple[Person, ...]
    mengetahui: Person
    file_name: str

    def number(self, year: int, unit: str) -> str:
        """The report's number: the pattern with {tahun} and {unit} filled in."""
        values = {"tahun": str(year), "unit": unit}
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], self.nomor)

    def team(self) -> list[tuple[str, Person]]:
        """(role, person) of the evaluation team, the leader first."""
        return [("Ketua Tim", self.ketua_tim), *[("Anggota", p) for p in self.anggota]]


def beside(db: Path) -> Path:
    """Where the pages and `zi laporan` look for the kop: kop.toml in the database's folder."""
    return Path(db).parent / KOP_FILE


def find(db: Path) -> Kop | None:
    """The kop beside the database, None when there is none (a malformed one raises KopError)."""
    path = beside(db)
    return load(path) if path.is_file() else None


def load(path: Path) -> Kop:
    """Read and check kop.toml; a KopError in Bahasa Indonesia names the line or the key that is wrong."""
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise KopError(f"{name}: berkas kop tidak ada.") from exc
    except OSError as exc:
        raise KopError(f"{name}: berkas kop tidak dapat dibaca (hak akses atau bukan berkas biasa).") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise KopError(f"{name} baris {line}: bukan teks UTF-8; simpan ulang berkas sebagai UTF-8.") from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        at = f" baris {where.group(1)} kolom {where.group(2)}" if where else ""
        raise KopError(f"{name}{at}: penulisan TOML tidak sah ({_reason(str(exc))}). Contoh penulisan yang benar "
                       "ada di data/kop.contoh.toml: teks di antara tanda kutip, misalnya kota = \"Jakarta\".") from exc
    return _check(doc, text, name)


def _reason(message: str) -> str:
    """tomllib's reason in short, without its position (given separately)."""
    return re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)


def _check(doc: dict, text: str, name: str) -> Kop:
    for key in doc:
        if key not in KNOWN:
            raise KopError(f"{name}{_line(text, key)}: kunci '{key}' tidak dikenal. Kunci yang dikenal: "
                           f"{', '.join(sorted(KNOWN))}.")
    values = {key: _text(doc, key, required, text, name) for key, required in TEXT_KEYS}
    for m in PLACEHOLDER.finditer(values["nomor"]):
        if m.group(1) not in PLACEHOLDERS:
            raise KopError(f"{name}{_line(text, 'nomor')}: penanda {{{m.group(1)}}} pada 'nomor' tidak dikenal; "
                           "yang dikenal {tahun} dan {unit}.")
    if not isinstance(doc.get("ketua_tim"), dict):
        raise KopError(f"{name}: bagian [ketua_tim] (nama dan nip ketua tim) tidak ada.")
    if not isinstance(doc.get("mengetahui"), dict):
        raise KopError(f"{name}: bagian [mengetahui] (jabatan, nama dan nip pejabat yang mengetahui) tidak ada.")
    members = doc.get("anggota", [])
    if isinstance(members, dict):
        members = [members]
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise KopError(f"{name}{_line(text, 'anggota')}: 'anggota' ditulis sebagai [[anggota]] dengan nama dan nip, "
                       "satu blok per anggota.")
    return Kop(**values, ketua_tim=_person(doc["ketua_tim"], "ketua_tim", text, name),
               anggota=tuple(_person(m, f"anggota ke-{i}", text, name) for i, m in enumerate(members, 1)),
               mengetahui=_person(doc["mengetahui"], "mengetahui", text, name), file_name=name)


def _person(table: dict, where: str, text: str, name: str) -> Person:
    section = where.split(" ")[0]
    keys = PERSON_KEYS[section]
    for key in table:
        if key not in keys:
            raise KopError(f"{name}{_line(text, key)}: kunci '{key}' di bagian {where} tidak dikenal; yang dikenal "
                           f"{', '.join(keys)}.")
    values = {}
    for key in keys:
        value = table.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and key == "nip":
            value = str(value)  # a NIP written without quotes: its digits as they are
        if not isinstance(value, str) or not value.strip():
            found = "tidak ada" if value is None else "kosong" if isinstance(value, str) else "bukan teks"
            raise KopError(f"{name}{_line(text, key, section)}: '{key}' di bagian {where} {found}; tulis "
                           f"{key} = \"...\".")
        values[key] = value.strip()
    return Person(**values)


def _text(doc: dict, key: str, required: bool, text: str, name: str) -> str:
    value = doc.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        found = "tidak ada" if value is None else "kosong" if isinstance(value, str) else "bukan teks"
        raise KopError(f"{name}{_line(text, key)}: '{key}' {found}; tulis {key} = \"...\" (lihat "
                       "data/kop.contoh.toml).")
    return value.strip()


def _line(text: str, key: str, section: str | None = None) -> str:
    """" baris N" of the first line assigning `key` (within [section] when given), "" when it is not written."""
    current = None
    for i, line in enumerate(text.splitlines(), 1):
        head = re.match(r"\s*\[\[?\s*([^\]\s]+)\s*\]\]?", line)
        if head:
            current = head.group(1)
            if current == key and section is None:
                return f" baris {i}"
            continue
        if re.match(rf"\s*{re.escape(key)}\s*=", line) and (section is None or current == section):
            return f" baris {i}"
    return ""
