"""Who may do what: roles, users with password hashes from a config file outside git, no UI here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

# Each role may do what the roles before it may.
ROLES = ("viewer", "evaluator", "admin")
ROLE_LABELS = {"viewer": "Pembaca", "evaluator": "Evaluator (TPI)", "admin": "Admin"}
ACTIONS = {"read": "viewer", "upload": "evaluator", "ingest": "evaluator", "propose": "evaluator", "delete": "admin"}
DEFAULT_USERS_FILE = Path(".streamlit/users.toml")
ITERATIONS = 240_000


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str


def can(role: str | None, action: str) -> bool:
    """True when `role` is allowed `action` (read, upload, ingest, propose, delete)."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action])


def hash_password(password: str, salt: bytes | None = None) -> str:
    """"pbkdf2_sha256$iterations$salt$hash", the form kept in the users file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    computed = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(computed, base64.b64decode(digest))


@dataclass(frozen=True)
class Config:
    """The access configuration: users with password hashes, and roles for OpenID Connect e-mail addresses."""

    path: Path
    users: dict[str, dict]
    roles_by_email: dict[str, str]

    def authenticate(self, username: str, password: str) -> User | None:
        entry = self.users.get(username.strip())
        if not entry or not verify_password(password, entry.get("password_hash", "")):
            return None
        return User(username.strip(), entry.get("name", username), _role(entry.get("role")))

    def role_for_email(self, email: str | None) -> str:
        return _role(self.roles_by_email.get((email or "").casefold(), "viewer"))


def _role(value: str | None) -> str:
    return value if value in ROLES else "viewer"


def users_file() -> Path:
    return Path(os.environ.get("ZI_USERS", DEFAULT_USERS_FILE))


def load_config(path: Path | None = None) -> Config | None:
    """The configuration, or None when there is none (the app then runs open, and says so)."""
    path = path or users_file()
    if not path.exists():
        return None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Config(path=path, users=data.get("users", {}),
                  roles_by_email={k.casefold(): v for k, v in data.get("roles", {}).items()})


def add_user(path: Path, username: str, password: str, role: str, name: str = "") -> None:
    """Add or replace a user in the users file (TOML), keeping the rest of the file."""
    if role not in ROLES:
        raise ValueError(f"peran harus salah satu dari {', '.join(ROLES)}")
    if not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ValueError("nama pengguna hanya boleh huruf, angka, titik, garis bawah dan tanda hubung")
    config = load_config(path)
    users = dict(config.users) if config else {}
    roles = dict(config.roles_by_email) if config else {}
    users[username] = {"name": name or username, "role": role, "password_hash": hash_password(password)}
    lines = ["# ZI Monitor users: keep this file out of git (it is in .gitignore).", ""]
    for user, entry in users.items():
        lines += [f"[users.{user}]", f'name = "{_escape(entry.get("name", user))}"', f'role = "{entry["role"]}"',
                  f'password_hash = "{entry["password_hash"]}"', ""]
    if roles:
        lines += ["[roles]"] + [f'"{_escape(email)}" = "{r}"' for email, r in roles.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
