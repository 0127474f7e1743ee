"""Sign-in limits and role checks in zi_data/access.py, with an injected clock: no Streamlit here."""

from __future__ import annotations

import shutil
import threading
import time

import duckdb
import pytest

from zi_data import access, ingest, store
from zi_data.cli import main


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users.toml"
    access.add_user(path, "ani", "kata-sandi-ani-1", "evaluator", actor_role="admin")
    return access.load_config(path)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def throttle(clock):
    return access.SignInThrottle(clock=clock)


def test_five_failed_attempts_lock_the_name_for_five_minutes(users, throttle, clock):
    for left in (4, 3, 2, 1):
        result = access.sign_in(users, "ani", "salah", throttle)
        assert result.user is None and result.attempts_left == left and result.wait_s == 0
    fifth = access.sign_in(users, "ani", "salah", throttle)
    assert fifth.wait_s == 300 and "5 menit" in fifth.message()
    clock.now += 299
    assert access.sign_in(users, "ani", "kata-sandi-ani-1", throttle).wait_s == 1
    clock.now += 1
    assert access.sign_in(users, "ani", "kata-sandi-ani-1", throttle).user.username == "ani"


def test_while_locked_even_the_right_password_is_refused_and_not_checked(users, throttle, clock, monkeypatch):
    for _ in range(5):
        access.sign_in(users, "ani", "salah", throttle)
    checked = []
    monkeypatch.setattr(access, "verify_password", lambda *a: checked.append(a) or True)
    clock.now += 60
    result = access.sign_in(users, "ani", "kata-sandi-ani-1", throttle)
    assert result.user is None and result.wait_s == 240 and checked == []
    assert result.message() == ("Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini. "
                                "Coba lagi dalam 4 menit.")


def test_the_name_is_counted_without_regard_to_case_or_spaces(users, throttle):
    for name in ("ani", "ANI", " Ani ", "aNi", "ani "):
        access.sign_in(users, name, "salah", throttle)
    assert throttle.wait_s("Ani") == 300


def test_unknown_names_are_limited_too_and_other_names_are_not_affected(users, throttle):
    for _ in range(5):
        access.sign_in(users, "siapa", "salah", throttle)
    assert throttle.wait_s("siapa") == 300
    assert access.sign_in(users, "ani", "kata-sandi-ani-1", throttle).user is not None


def test_failures_older_than_fifteen_minutes_are_forgotten(users, throttle, clock):
    for _ in range(4):
        access.sign_in(users, "ani", "salah", throttle)
    clock.now += 15 * 60
    assert access.sign_in(users, "ani", "salah", throttle).attempts_left == 4


def test_a_successful_sign_in_clears_the_failures(users, throttle):
    for _ in range(4):
        access.sign_in(users, "ani", "salah", throttle)
    assert access.sign_in(users, "ani", "kata-sandi-ani-1", throttle).user is not None
    assert access.sign_in(users, "ani", "salah", throttle).attempts_left == 4


def test_the_count_holds_across_threads_as_streamlit_sessions_run(users, throttle):
    # every browser session runs in its own thread of the one server process
    threads = [threading.Thread(target=access.sign_in, args=(users, "ani", f"salah-{i}", throttle)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert throttle.wait_s("ani") == 300


def test_wait_text_says_minutes_or_seconds():
    assert access.wait_text(300) == "5 menit"
    assert access.wait_text(61) == "2 menit"
    assert access.wait_text(45) == "45 detik"
    assert access.wait_text(8 * 3600) == "8 jam"
    assert access.wait_text(90 * 60) == "90 menit"


def test_a_session_idle_longer_than_the_limit_has_expired():
    assert not access.session_expired(None, 10_000, 60)  # never active: nothing to expire
    assert not access.session_expired(1_000, 1_060, 60)
    assert access.session_expired(1_000, 1_061, 60)


def test_the_idle_limit_is_eight_hours_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv("ZI_IDLE_MINUTES", raising=False)
    path = tmp_path / "users.toml"
    assert access.idle_limit_s(None) == 8 * 3600
    path.write_text("[settings]\nidle_minutes = 30\n")
    assert access.idle_limit_s(access.load_config(path)) == 1800
    monkeypatch.setenv("ZI_IDLE_MINUTES", "90")  # the environment wins over the file
    assert access.idle_limit_s(access.load_config(path)) == 5400
    for bad in ("0", "-5", "nan", "delapan"):
        monkeypatch.setenv("ZI_IDLE_MINUTES", bad)
        with pytest.raises(access.ConfigError, match="batas waktu sesi"):
            access.idle_limit_s(None)


def test_adding_a_user_keeps_the_settings_and_the_file_private(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text("[settings]\nidle_minutes = 45\n")
    access.add_user(path, "budi", "kata-sandi-budi-1", "viewer", actor_role="admin")
    assert access.load_config(path).settings == {"idle_minutes": 45}
    assert path.stat().st_mode & 0o777 == 0o600
    assert not access.readable_by_others(path)
    path.chmod(0o644)
    assert access.readable_by_others(path)


def test_a_broken_users_file_is_refused_without_quoting_it(tmp_path):
    path = tmp_path / "users.toml"
    access.add_user(path, "ani", "kata-sandi-ani-1", "admin", actor_role="admin")
    text = path.read_text()
    secret = text.split('password_hash = "')[1].split('"')[0]
    path.write_text(text.replace(f'password_hash = "{secret}"', f"password_hash = {secret}"))  # quotes lost
    with pytest.raises(access.ConfigError) as err:
        access.load_config(path)
    assert secret not in str(err.value) and secret.split("$")[2] not in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert "bukan TOML yang sah" in str(err.value)


def test_a_malformed_hash_fails_the_password_check_without_an_error():
    for stored in ("", "pbkdf2_sha256$abc$xx$yy", "pbkdf2_sha256$10$***$***", "md5$1$a$b", "a$b"):
        assert access.verify_password("apa saja", stored) is False


# Role checks where the action happens, not in the page


def test_require_names_the_role_and_the_action_in_bahasa_indonesia():
    access.require("admin", "delete")
    with pytest.raises(PermissionError) as err:
        access.require("viewer", "upload")
    assert str(err.value) == ("Tidak diizinkan: peran Pembaca tidak boleh mengunggah berkas "
                              "(perlu peran Evaluator (TPI) atau lebih tinggi).")
    with pytest.raises(PermissionError, match="belum masuk"):
        access.require(None, "read")


def test_a_viewer_upload_is_refused_before_anything_is_saved_or_recorded(tmp_path):
    db, up = tmp_path / "zi.duckdb", tmp_path / "up"
    with pytest.raises(PermissionError, match="Pembaca tidak boleh mengunggah"):
        ingest.ingest_upload("2025_Unit A.xlsx", b"PK\x03\x04", db, up, actor_role="viewer")
    assert not up.exists() and not db.exists()


def test_ingesting_needs_an_evaluator(tmp_path):
    with pytest.raises(PermissionError, match="memuat berkas"):
        ingest.ingest_paths([tmp_path], tmp_path / "zi.duckdb", actor_role="viewer")
    with pytest.raises(PermissionError):
        ingest.ingest_paths([tmp_path], tmp_path / "zi.duckdb", actor_role=None)
    assert not (tmp_path / "zi.duckdb").exists()


def test_only_an_admin_deletes_and_a_refused_deletion_changes_nothing(demo_db, tmp_path):
    db = tmp_path / "zi.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db), read_only=True)
    sid = con.execute("select submission_id from current_submissions limit 1").fetchone()[0]
    con.close()
    for role in ("viewer", "evaluator", None, "root"):
        with pytest.raises(PermissionError):
            store.delete_submission(db, sid, by="x", reason="coba", actor_role=role)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from stg_submissions where deleted_at is not null").fetchone()[0] == 0
    assert con.execute("select count(*) from history where event = 'deleted'").fetchone()[0] == 0
    con.close()
    store.delete_submission(db, sid, by="Admin", reason="salah unit", actor_role="admin")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select deleted_by from stg_submissions where submission_id = ?", [sid]).fetchone() == ("Admin",)
    con.close()


def test_only_an_admin_changes_users(tmp_path):
    path = tmp_path / "users.toml"
    access.add_user(path, "ani", "kata-sandi-ani-1", "admin", actor_role="admin")
    before = path.read_bytes()
    with pytest.raises(PermissionError, match="mengubah pengguna"):
        access.add_user(path, "budi", "kata-sandi-budi-1", "admin", actor_role="evaluator")
    assert path.read_bytes() == before


def test_the_command_line_acts_as_admin(tmp_path, monkeypatch):
    import io

    path = tmp_path / "users.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-panjang\n"))
    assert main(["user", "citra", "--role", "admin", "--file", str(path), "--password-stdin"]) == 0
    assert access.COMMAND_LINE_ROLE == "admin"


class HeldChecks:
    """verify_password that counts each password check and holds it until released: every check is still running
    when the others arrive, as when a burst of requests meets PBKDF2's ~0.2 s per check."""

    def __init__(self, monkeypatch):
        self.checked: list[str] = []
        self.release = threading.Event()
        self._real = access.verify_password
        self._lock = threading.Lock()
        monkeypatch.setattr(access, "verify_password", self)

    def __call__(self, password: str, stored: str) -> bool:
        with self._lock:
            self.checked.append(password)
        self.release.wait(10)
        return self._real(password, stored)


def run_at_once(attempts: list[tuple[str, str]], users, throttle, held: HeldChecks, before: int = 0) -> list:
    """Start every attempt in its own thread (a browser session each); wait until each is either being checked or
    has been answered, then release the checks. The results in the order given."""
    results: list = [None] * len(attempts)

    def attempt(i: int, name: str, password: str) -> None:
        results[i] = access.sign_in(users, name, password, throttle)

    threads = [threading.Thread(target=attempt, args=(i, n, p)) for i, (n, p) in enumerate(attempts)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(held.checked) - before + sum(r is not None for r in results) < len(attempts):
        assert time.monotonic() < deadline, "the attempts neither ran nor were answered"
        time.sleep(0.01)
    return results, threads


def test_twenty_simultaneous_wrong_sign_ins_check_at_most_five_passwords(users, throttle, monkeypatch):
    held = HeldChecks(monkeypatch)
    results, threads = run_at_once([("ani", f"salah-{i}") for i in range(20)], users, throttle, held)
    answered_early = [r for r in results if r is not None]  # refused without a check, while five are checked
    held.release.set()
    for t in threads:
        t.join()
    assert len(held.checked) == 5
    assert len(answered_early) == 15 and all(r.user is None and r.wait_s == 300 for r in answered_early)
    assert all("Terlalu banyak percobaan" in r.message() for r in answered_early)
    assert sum(r.wait_s == 0 for r in results) == 4 and throttle.wait_s("ani") == 300  # the fifth locked it


def test_a_burst_of_wrong_and_right_passwords_signs_nobody_in_once_the_name_is_locked(users, throttle, monkeypatch):
    held = HeldChecks(monkeypatch)
    wrong, wrong_threads = run_at_once([("ani", f"salah-{i}") for i in range(15)], users, throttle, held)
    # while the wrong ones are being checked, the right password arrives three times
    right, right_threads = run_at_once([("ani", "kata-sandi-ani-1")] * 3, users, throttle, held,
                                       before=len(held.checked))
    held.release.set()
    for t in wrong_threads + right_threads:
        t.join()
    assert len(held.checked) == 5 and "kata-sandi-ani-1" not in held.checked
    assert all(r.user is None for r in wrong + right)
    assert all(r.wait_s == 300 for r in right)
    after = access.sign_in(users, "ani", "kata-sandi-ani-1", throttle)  # and after the burst, still locked
    assert after.user is None and after.wait_s == 300 and len(held.checked) == 5


def test_a_right_password_among_the_first_five_still_signs_in(users, throttle, monkeypatch):
    held = HeldChecks(monkeypatch)
    attempts = [("ani", "kata-sandi-ani-1")] + [("ani", f"salah-{i}") for i in range(3)]
    results, threads = run_at_once(attempts, users, throttle, held)
    held.release.set()
    for t in threads:
        t.join()
    assert len(held.checked) == 4 and results[0].user is not None
    assert all(r.user is None and r.wait_s == 0 for r in results[1:])
