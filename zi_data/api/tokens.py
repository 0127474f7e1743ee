"""API tokens for PortalRB: made at random, shown once, kept only as a SHA-256 hash in a file outside git.

The file (`.streamlit/api_tokens.toml`, or $ZI_API_TOKENS) is written like the users file: readable by its owner
only, replaced whole. The server reads it again whenever it changes, so a revoked token stops working at its next
request without a restart. A token is 256 random bits: a plain SHA-256 is enough to keep it (nothing to guess),
and it is compared with hmac.compare_digest against every stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..access import escape, plain_name, read_secret_toml, write_private

DEFAULT_FILE = Path(".streamlit/api_tokens.toml")
PREFIX = "zi_"  # tokens start with it, so one found in a file or a chat is recognisable


class TokenFileError(ValueError):
    """The tokens file exists but cannot be used: the server then lets nobody in."""


@dataclass(frozen=True)
class Token:
    """One token's entry: its name, the instansi it may read, its hash, when made and when revoked."""

    name: str
    instansi: str
    sha256: str
    dibuat: str
    dicabut: str | None = None

    @property
    def active(self) -> bool:
        return self.dicabut is None


def tokens_file() -> Path:
    return Path(os.environ.get("ZI_API_TOKENS", DEFAULT_FILE))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def read_tokens(path: Path) -> dict[str, Token]:
    """Every token of the file by name (revoked ones too); an empty dict when there is no file.

    No message quotes the file's text."""
    if not path.exists():
        return {}
    data = read_secret_toml(path, "berkas token", TokenFileError)
    entries = data.get("tokens", {})
    out = {}
    if not isinstance(entries, dict):
        raise TokenFileError(f"berkas token {path} tidak berbentuk [tokens.NAMA]; buat ulang dengan `zi api token`")
    for name, e in entries.items():
        if not (isinstance(e, dict) and isinstance(e.get("instansi"), str) and isinstance(e.get("sha256"), str)
                and len(e["sha256"]) == 64):
            raise TokenFileError(f"berkas token {path}: entri [tokens.{name}] tidak lengkap (instansi, sha256)")
        out[name] = Token(name, e["instansi"], e["sha256"], str(e.get("dibuat", "")),
                          str(e["dicabut"]) if e.get("dicabut") else None)
    return out


def _write(path: Path, tokens: dict[str, Token]) -> None:
    lines = ["# ZI Monitor: API tokens for PortalRB (hashes only). Keep this file out of git (it is in .gitignore).",
             "# Made, listed and revoked with `zi api token`.", ""]
    for t in tokens.values():
        lines += [f"[tokens.{t.name}]", f'instansi = "{escape(t.instansi)}"', f'sha256 = "{t.sha256}"',
                  f'dibuat = "{t.dibuat}"']
        if t.dicabut:
            lines.append(f'dicabut = "{t.dicabut}"')
        lines.append("")
    write_private(path, "\n".join(lines))


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def create(path: Path, name: str, instansi: str) -> tuple[str, bool]:
    """Make a token for `instansi` under `name` (replacing one of that name); returns the token, to be shown once,
    and whether an earlier token of that name was replaced (it stops working)."""
    if not plain_name(name):
        raise ValueError("nama token hanya boleh huruf, angka, titik, garis bawah dan tanda hubung")
    if not instansi.strip() or any(c in instansi for c in "\r\n\t"):
        raise ValueError("nama instansi kosong atau memuat baris baru")
    tokens = read_tokens(path)
    token = PREFIX + secrets.token_urlsafe(32)
    replaced = name in tokens
    tokens[name] = Token(name, instansi.strip(), digest(token), _now())
    _write(path, tokens)
    return token, replaced


def revoke(path: Path, name: str) -> Token:
    """Mark a token revoked (kept, so the audit log's names still mean something); KeyError when unknown."""
    tokens = read_tokens(path)
    if name not in tokens:
        raise KeyError(name)
    old = tokens[name]
    if old.active:
        tokens[name] = Token(old.name, old.instansi, old.sha256, old.dibuat, _now())
        _write(path, tokens)
    return tokens[name]


class TokenStore:
    """The tokens file as the server sees it: read again when it changes (its size, time or inode), so a token
    made or revoked takes effect at the next request."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp: tuple | None = None
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def _current(self) -> dict[str, Token]:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp or stamp is None:
                self._tokens = read_tokens(self.path) if stamp else {}
                self._stamp = stamp
            return self._tokens

    def active(self) -> list[Token]:
        return [t for t in self._current().values() if t.active]

    def lookup(self, presented: str) -> Token | None:
        """The active token whose hash matches, compared with every stored hash in constant time each."""
        wanted = digest(presented)
        found = None
        for t in self._current().values():
            if hmac.compare_digest(wanted, t.sha256) and t.active:
                found = t
        return found
