"""Signed-in sessions held on the server (zi_data/sessions.py), with an injected clock: no Streamlit here."""

from __future__ import annotations

import pytest

from zi_data import access, sessions


class Clock:
    def __init__(self) -> None:
        self.now = 50_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users.toml"
    access.add_user(path, "ani", "kata-sandi-ani-1", "evaluator", name="Ani", actor_role="admin")
    access.add_user(path, "budi", "kata-sandi-budi-1", "viewer", name="Budi", actor_role="admin")
    return path


def start(store, users, name="ani"):
    config = access.load_config(users)
    return store.start(config.authenticate(name, f"kata-sandi-{name}-1"), config)


def test_a_session_is_named_by_a_random_id_the_store_keeps_only_hashed(users):
    store = sessions.SessionStore()
    ids = {start(store, users) for _ in range(50)}
    assert len(ids) == 50 and all(len(i) == 43 for i in ids)
    assert not any(i in repr(store._sessions) for i in ids)  # what is in memory cannot be used as a cookie
    session, reason = store.current(ids.pop(), access.load_config(users), 60)
    assert (session.username, session.name, session.role, reason) == ("ani", "Ani", "evaluator", None)


def test_use_keeps_a_session_and_idleness_ends_it(users):
    clock = Clock()
    store = sessions.SessionStore(clock=clock)
    sid, config = start(store, users), access.load_config(users)
    clock.now += 60
    assert store.current(sid, config, 60)[0] is not None  # exactly the limit: still valid
    assert store.current(sid, config, 60, touch=True)[0] is not None  # used: 60 s from now on
    clock.now += 60
    assert store.current(sid, config, 60)[0] is not None
    clock.now += 1
    assert store.current(sid, config, 60, end=False) == (None, "idle") and len(store) == 1  # only looked at
    assert store.current(sid, config, 60) == (None, "idle") and len(store) == 0
    assert store.current(sid, config, 60) == (None, None)  # gone: no reason any more


def test_removal_a_new_role_a_new_password_or_another_users_file_end_it(users, tmp_path):
    store = sessions.SessionStore()
    sid = start(store, users)
    access.add_user(users, "ani", "kata-sandi-ani-1", "admin", name="Ani", actor_role="admin")
    assert store.current(sid, access.load_config(users), 60) == (None, "peran")
    sid = start(store, users)
    access.add_user(users, "ani", "kata-sandi-ani-2", "admin", name="Ani", actor_role="admin")
    assert store.current(sid, access.load_config(users), 60) == (None, "sandi")
    other = tmp_path / "lain.toml"
    other.write_bytes(users.read_bytes())
    sid = store.start(access.load_config(users).authenticate("ani", "kata-sandi-ani-2"), access.load_config(users))
    assert store.current(sid, access.load_config(other), 60) == (None, "dihapus")
    sid = start(store, users, "budi")
    text = users.read_text()
    users.write_text(text[:text.index("[users.budi]")])
    assert store.current(sid, access.load_config(users), 60) == (None, "dihapus")
    config = access.load_config(users)
    sid = store.start(config.authenticate("ani", "kata-sandi-ani-2"), config)
    assert store.current(sid, None, 60) == (None, "dihapus")  # no users file at all
    assert len(store) == 0


def test_sign_out_ends_it_and_the_store_stays_bounded(users):
    clock = Clock()
    store = sessions.SessionStore(clock=clock, max_sessions=3)
    sid = start(store, users)
    assert store.end(sid) and not store.end(sid) and not store.end(None)
    first = start(store, users)
    for _ in range(3):
        clock.now += 1
        start(store, users)
    assert len(store) == 3 and store.current(first, access.load_config(users), 60)[0] is None  # oldest went


def test_the_notice_says_why_in_bahasa_indonesia():
    assert sessions.notice("idle", 8 * 3600) == ("Sesi berakhir karena tidak ada aktivitas selama 8 jam. "
                                                  "Silakan masuk lagi.")
    assert sessions.notice("keluar", 60) == "Anda telah keluar."
    assert sessions.notice("<script>", 60) == "" and sessions.notice(None, 60) == ""
