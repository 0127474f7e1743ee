"""Who may do what: roles, users with password hashes from a config file outside git, sign-in limits; no UI here."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import math
import os
import secrets
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Each role may do what the roles before it may.
ROLES = ("viewer", "evaluator", "admin")
ROLE_LABELS = {"viewer": "Pembaca", "evaluator": "Evaluator (TPI)", "admin": "Admin"}
ACTIONS = {"read": "viewer", "upload": "evaluator", "ingest": "evaluator", "propose": "evaluator", "delete": "admin",
           "withdraw": "admin", "users": "admin"}
ACTION_LABELS = {"read": "membaca data", "upload": "mengunggah berkas", "ingest": "memuat berkas ke basis data",
                 "propose": "menyimpan usulan", "delete": "menghapus pengajuan",
                 "withdraw": "menarik daftar unit, hasil TPN atau berkas survei", "users": "mengubah pengguna"}
# Whoever can run `zi` on the server can read and write the database and the users file directly,
# so the command line acts as admin; the dashboard passes the signed-in user's role instead.
COMMAND_LINE_ROLE = "admin"
DEFAULT_USERS_FILE = Path(".streamlit/users.toml")
ITERATIONS = 240_000

MAX_FAILURES = 5                  # failed sign-ins for one user name ...
FAILURE_WINDOW_S = 15 * 60        # ... within this time lock it for
LOCK_S = 5 * 60
DEFAULT_IDLE_MINUTES = 8 * 60     # an idle session is signed out after this; ZI_IDLE_MINUTES or [settings] idle_minutes


class ConfigError(ValueError):
    """The users file exists but cannot be used; the dashboard then lets nobody in."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str


def can(role: str | None, action: str) -> bool:
    """True when `role` is allowed `action` (read, upload, ingest, propose, delete, withdraw, users)."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action])


def require(role: str | None, action: str) -> None:
    """Raise PermissionError unless `role` may do `action`: called by the code that performs the action."""
    if not can(role, action):
        who = f"peran {ROLE_LABELS[role]}" if role in ROLE_LABELS else "pengguna yang belum masuk"
        raise PermissionError(f"Tidak diizinkan: {who} tidak boleh {ACTION_LABELS[action]} "
                              f"(perlu peran {ROLE_LABELS[ACTIONS[action]]} atau lebih tinggi).")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """"pbkdf2_sha256$iterations$salt$hash", the form kept in the users file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """False for a wrong password and for a malformed hash alike: no exception (and no message that
    could quote the hash) leaves this function."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        computed = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt, validate=True),
                                       int(iterations))
        return hmac.compare_digest(computed, base64.b64decode(digest, validate=True))
    except (ValueError, TypeError, binascii.Error, AttributeError):
        return False


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Config:
    """The access configuration: users with password hashes, and roles for OpenID Connect e-mail addresses."""

    path: Path
    users: dict[str, dict]
    roles_by_email: dict[str, str]
    settings: dict = field(default_factory=dict)

    def authenticate(self, username: str, password: str) -> User | None:
        entry = self.users.get(username.strip())
        if not entry:
            verify_password(password, _decoy_hash())  # an unknown name takes as long as a known one
            return None
        if not verify_password(password, entry.get("password_hash", "")):
            return None
        return User(username.strip(), entry.get("name", username), role_of(entry))

    def role_for_email(self, email: str | None) -> str:
        return _role(self.roles_by_email.get((email or "").casefold(), "viewer"))


def _role(value: str | None) -> str:
    return value if value in ROLES else "viewer"


def role_of(entry: dict) -> str:
    """The role of a users-file entry (viewer when missing or unknown)."""
    return _role(entry.get("role"))


def idle_limit_s(config: Config | None) -> float:
    """Seconds of inactivity after which a session is signed out: $ZI_IDLE_MINUTES, else the users file's
    [settings] idle_minutes, else 8 hours."""
    raw = os.environ.get("ZI_IDLE_MINUTES") or (config.settings if config else {}).get("idle_minutes",
                                                                                         DEFAULT_IDLE_MINUTES)
    try:
        minutes = float(raw)
    except (TypeError, ValueError):
        minutes = -1.0
    if isinstance(raw, bool) or not math.isfinite(minutes) or minutes <= 0:
        raise ConfigError(f"batas waktu sesi tidak valid: {raw!r} (ZI_IDLE_MINUTES atau [settings] idle_minutes "
                          "harus berupa jumlah menit lebih dari 0)")
    return minutes * 60


def users_file() -> Path:
    return Path(os.environ.get("ZI_USERS", DEFAULT_USERS_FILE))


def read_secret_toml(path: Path, what: str, error: type[Exception]) -> dict:
    """A TOML file holding hashes (users, API tokens), or `error` naming `what` and the file.

    No message quotes the file's text: the TOML parser's names a line and column only, and the chained
    exceptions are dropped."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} bukan TOML yang sah ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} tidak dapat dibaca ({type(exc).__name__})") from None


def load_config(path: Path | None = None) -> Config | None:
    """The configuration, or None when there is none (the app then runs open, and says so)."""
    path = path or users_file()
    if not path.exists():
        return None
    data = read_secret_toml(path, "berkas pengguna", ConfigError)
    users, roles, settings = data.get("users", {}), data.get("roles", {}), data.get("settings", {})
    if not all(isinstance(x, dict) for x in (users, roles, settings)) or \
            not all(isinstance(entry, dict) for entry in users.values()):
        raise ConfigError(f"berkas pengguna {path} tidak berbentuk [users.NAMA], [roles] dan [settings]; "
                          "buat ulang dengan `zi user`")
    return Config(path=path, users=users, roles_by_email={k.casefold(): v for k, v in roles.items()},
                  settings=settings)


def readable_by_others(path: Path) -> bool:
    """True when users other than the file's owner may read or change it (it holds the password hashes)."""
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


def session_expired(last_active: float | None, now: float, limit_s: float) -> bool:
    """True when a signed-in session has been idle longer than limit_s (a session never active is not)."""
    return last_active is not None and now - last_active > limit_s


class SignInThrottle:
    """Sign-in attempts per user name (case-insensitive), shared by every browser session of the process.

    An attempt takes its place in the count BEFORE its password is checked (reserve), and is settled after:
    a wrong password stays counted as a failure, a right one clears the name's failures. Attempts being
    checked count too, so however attempts arrive (one after another, or at once from many sessions or
    threads) at most MAX_FAILURES wrong passwords per name are ever checked within FAILURE_WINDOW_S; the
    MAX_FAILURES-th failure then locks the name for LOCK_S, during which no password is checked at all.
    The count lives in this process's memory: a restart forgets it, and each server process counts alone.
    """

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S,
                 lock_s: float = LOCK_S, clock: Callable[[], float] = time.monotonic, max_names: int = 10_000):
        self.max_failures, self.window_s, self.lock_s, self.clock = max_failures, window_s, lock_s, clock
        self.max_names = max_names
        self._failures: dict[str, list[float]] = {}
        self._checking: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().casefold()

    def _wait(self, key: str, now: float) -> float:
        left = self._locked_until.get(key, now) - now
        if left <= 0:
            self._locked_until.pop(key, None)
        return max(0.0, left)

    def wait_s(self, username: str) -> float:
        """Seconds until `username` may try again (0 when it may now)."""
        with self._lock:
            return self._wait(self._key(username), self.clock())

    def reserve(self, username: str) -> float:
        """Take a place for one password check: 0 when taken (the caller checks, then calls settle), else the
        seconds to wait (locked, or every remaining attempt is being checked right now)."""
        key, now = self._key(username), self.clock()
        with self._lock:
            wait = self._wait(key, now)
            if wait > 0:
                return wait
            recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
            self._failures[key] = recent
            if len(recent) + self._checking.get(key, 0) >= self.max_failures:
                return self.lock_s  # the checks under way would lock the name, unless one of them is right
            self._checking[key] = self._checking.get(key, 0) + 1
            if len(self._failures) > self.max_names:  # names sprayed at random do not fill the memory
                self._failures = {k: v for k, v in self._failures.items()
                                  if (v and now - v[-1] < self.window_s) or self._checking.get(k)}
            return 0.0

    def settle(self, username: str, ok: bool) -> int:
        """The outcome of a reserved check; the attempts left before the name is locked (0: locked now)."""
        key, now = self._key(username), self.clock()
        with self._lock:
            checking = self._checking.get(key, 1) - 1
            if checking > 0:
                self._checking[key] = checking
            else:
                self._checking.pop(key, None)
            if ok:
                self._failures.pop(key, None)
                return self.max_failures
            recent = [t for t in self._failures.get(key, []) if now - t < self.window_s] + [now]
            if len(recent) >= self.max_failures:
                self._failures.pop(key, None)
                self._locked_until[key] = now + self.lock_s
                return 0
            self._failures[key] = recent
            return max(1, self.max_failures - len(recent) - checking)


THROTTLE = SignInThrottle()


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt."""

    user: User | None
    wait_s: float = 0.0                 # > 0: the name is locked, the password was not checked
    attempts_left: int | None = None    # after a wrong password

    def message(self) -> str:
        """What the sign-in form says, in Bahasa Indonesia ("" on success)."""
        if self.user is not None:
            return ""
        if self.wait_s > 0:
            return (f"Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini. Coba lagi dalam "
                    f"{wait_text(self.wait_s)}.")
        if self.attempts_left:
            return (f"Nama pengguna atau kata sandi salah. Sisa {self.attempts_left} percobaan sebelum harus "
                    f"menunggu {wait_text(LOCK_S)}.")
        return "Nama pengguna atau kata sandi salah."


def wait_text(seconds: float) -> str:
    """'8 jam', '5 menit', '45 detik': a time as the page says it (rounded up)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} jam"
    return f"{math.ceil(seconds / 60)} menit" if seconds > 60 else f"{math.ceil(seconds)} detik"


def sign_in(config: Config, username: str, password: str, throttle: SignInThrottle | None = None) -> SignIn:
    """Check a user name and password, the attempt counted per name across all sessions before it is checked."""
    throttle = throttle or THROTTLE
    wait = throttle.reserve(username)
    if wait > 0:
        return SignIn(None, wait_s=wait)
    user = None
    try:
        user = config.authenticate(username, password)
    finally:
        left = throttle.settle(username, ok=user is not None)
    if user is None:
        return SignIn(None, wait_s=throttle.wait_s(username)) if left == 0 else SignIn(None, attempts_left=left)
    return SignIn(user)


def add_user(path: Path, username: str, password: str, role: str, name: str = "", *, actor_role: str | None) -> None:
    """Add or replace a user in the users file (TOML), keeping the rest of the file; only an admin may."""
    require(actor_role, "users")
    if role not in ROLES:
        raise ValueError(f"peran harus salah satu dari {', '.join(ROLES)}")
    if not plain_name(username):
        raise ValueError("nama pengguna hanya boleh huruf, angka, titik, garis bawah dan tanda hubung")
    config = load_config(path)
    users = dict(config.users) if config else {}
    roles = dict(config.roles_by_email) if config else {}
    settings = dict(config.settings) if config else {}
    users[username] = {"name": name or username, "role": role, "password_hash": hash_password(password)}
    lines = ["# ZI Monitor users: keep this file out of git (it is in .gitignore).", ""]
    if settings:
        lines += ["[settings]"] + [f"{key} = {toml_value(value)}" for key, value in settings.items()] + [""]
    for user, entry in users.items():
        lines += [f"[users.{user}]", f'name = "{escape(entry.get("name", user))}"', f'role = "{entry["role"]}"',
                  f'password_hash = "{entry["password_hash"]}"', ""]
    if roles:
        lines += ["[roles]"] + [f'"{escape(email)}" = "{r}"' for email, r in roles.items()]
    write_private(path, "\n".join(lines) + "\n")


def plain_name(name: str) -> bool:
    """A name that may stand in a TOML key and a log line: letters, digits, dots, underscores and hyphens."""
    return bool(name) and name.replace("_", "").replace(".", "").replace("-", "").isalnum()


def write_private(path: Path, text: str) -> None:
    """Write a file of secrets' hashes (users, API tokens) readable by its owner only, then rename it over the
    old one: the hashes are never in a file others can read, and a crash leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return f'"{escape(str(value))}"'


def escape(text: str) -> str:
    """Text inside a TOML basic string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
