"""Signed-in sessions held on the server: a random id in the browser's cookie, everything else here; no UI here.

A sign-in starts a session and gives its id (32 random bytes) to the browser as an HttpOnly cookie; the browser
holds nothing else. This store keeps, per session, who signed in, in which role, from which users file, and when
the session was last used; it keeps only a hash of each id, so what is in memory cannot be replayed as a cookie.
Every request and every run of the dashboard asks `current()`, which ends the session when it has been idle
longer than the limit, when its user is no longer in the users file, when the user's role or password has changed,
or when the users file is another one; `end()` is the sign-out. Sessions live in this process's memory: a restart of the
server signs everyone out, and each server process has its own.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from zi_data import access

COOKIE = "zi_sesi"
MAX_SESSIONS = 10_000

def notice(reason: str | None, idle_s: float) -> str:
    """What the sign-in page says about why the person is there again ("" for none or an unknown reason)."""
    return {
        "keluar": "Anda telah keluar.",
        "idle": f"Sesi berakhir karena tidak ada aktivitas selama {access.wait_text(idle_s)}. Silakan masuk lagi.",
        "dihapus": "Nama pengguna Anda tidak lagi terdaftar di berkas pengguna. Silakan masuk lagi atau hubungi admin.",
        "peran": "Peran Anda telah diubah oleh admin. Silakan masuk lagi untuk memakai peran yang baru.",
        "sandi": "Kata sandi Anda telah diganti. Silakan masuk lagi dengan kata sandi yang baru.",
    }.get(reason or "", "")


@dataclass(frozen=True)
class Session:
    username: str
    name: str
    role: str
    users_file: str
    password: str  # a fingerprint of the user's password hash when they signed in: a new password ends the session
    started: float
    last_active: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _fingerprint(entry: dict) -> str:
    return hashlib.sha256(str(entry.get("password_hash", "")).encode()).hexdigest()


class SessionStore:
    """The server's signed-in sessions, shared by every request and browser session of the process."""

    def __init__(self, clock: Callable[[], float] = time.time, max_sessions: int = MAX_SESSIONS):
        self.clock, self.max_sessions = clock, max_sessions
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        # Set by the server when it starts with sign-in on: a users file that disappears later then lets nobody in
        # (rather than turning the dashboard open for everyone it already serves).
        self.sign_in_required = False
        # The sign-in page's address, set by the server that serves one (gate.py); None where there is none (a
        # plain `streamlit run dashboard.py`, tests of the pages): nobody can sign in there.
        self.sign_in_page: str | None = None

    def start(self, user: access.User, config: access.Config) -> str:
        """A new session for `user` (just signed in against `config`); its id, for the browser's cookie only."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            if len(self._sessions) >= self.max_sessions:  # the least recently used go first
                for key, _ in sorted(self._sessions.items(), key=lambda kv: kv[1].last_active)[
                        :len(self._sessions) - self.max_sessions + 1]:
                    del self._sessions[key]
            self._sessions[_key(session_id)] = Session(user.username, user.name, user.role, str(config.path),
                                                       _fingerprint(config.users.get(user.username, {})), now, now)
        return session_id

    def current(self, session_id: str | None, config: access.Config | None, idle_s: float,
                touch: bool = False, end: bool = True) -> tuple[Session | None, str | None]:
        """The valid session named by `session_id`, or None with the reason it ended ("idle", "dihapus", "peran",
        "sandi";
        None when there was no such session). An invalid session is ended here (end=False: only looked at, for
        whoever then ends it and says why). touch=True marks a valid one used now."""
        if not session_id or not isinstance(session_id, str):
            return None, None
        key, now = _key(session_id), self.clock()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None, None
            entry = config.users.get(session.username) if config is not None else None
            if now - session.last_active > idle_s:
                reason = "idle"
            elif entry is None or str(config.path) != session.users_file:
                reason = "dihapus"
            elif access.role_of(entry) != session.role:
                reason = "peran"
            elif _fingerprint(entry) != session.password:
                reason = "sandi"
            else:
                if touch:
                    session = replace(session, last_active=now)
                    self._sessions[key] = session
                return session, None
            if end:
                del self._sessions[key]
            return None, reason

    def end(self, session_id: str | None) -> bool:
        """Sign-out: the session is gone for every tab and request that carried its id."""
        if not session_id:
            return False
        with self._lock:
            return self._sessions.pop(_key(session_id), None) is not None

    def __len__(self) -> int:
        return len(self._sessions)


STORE = SessionStore()
