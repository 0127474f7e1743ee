"""Child processes for work that must not take down the process that asked for it.

Reading a file someone sent runs in a worker whose address space is capped: a file that makes the parser allocate
without end (or crash, which Python cannot catch) ends that worker only, and its caller records that file's
refusal and goes on with the others. A worker ends with its parent: on Linux the kernel kills it when the parent
dies (PR_SET_PDEATHSIG), elsewhere it notices within a second and leaves.

`Pool.map` reads many files in order with a few workers (a dead worker's file is known: each worker sends a result
per file, in the order it was given them); `call` runs one function in a fresh child and hands back its result or
its exception (the dashboard writes this way, so its own process only ever reads the database).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection, wait
from typing import Any

from .readers.detect import settings

# What a forkserver child needs loaded before the first task, so that each one starts in milliseconds. The main
# script too: a child started otherwise runs it again (`streamlit run`'s, serve.py) before its task.
PRELOAD = ["__main__", "zi_data.ingest"]
LOG = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH = "zi-parent-watch"  # the thread that ends a worker whose parent has gone (it holds no lock: fork stays safe)


def limits() -> dict[str, float]:
    """The workers' limits from data/settings.csv: memory per reading worker (MB) and time per file (s)."""
    values = settings()
    return {"memory_mb": values["worker_memory_mb"], "seconds": values["seconds_per_file"]}


@dataclass(frozen=True)
class Failure:
    """Why a worker gave no result for an item: it died (a signal or an exit), ran out of its memory, took too
    long, or the function raised; `reason` says it in Bahasa Indonesia."""

    kind: str  # died | memory | timeout | error
    reason: str


class WorkerDied(RuntimeError):
    """`call`'s child ended without an answer (killed, crashed, out of memory)."""

    def __init__(self, failure: Failure):
        super().__init__(failure.reason)
        self.failure = failure

    def __reduce__(self):  # raised in a child of a child, it is sent on as itself
        return (WorkerDied, (self.failure,))


def _context() -> mp.context.BaseContext:
    """fork where it is safe (a process with one thread: `zi`, a worker's parent), else a fork server started
    clean (the dashboard's threads could hold locks a forked child would inherit locked)."""
    if sys.platform != "linux":
        return mp.get_context("spawn")
    if all(t is threading.main_thread() or t.name == WATCH for t in threading.enumerate()):
        return mp.get_context("fork")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm() -> None:
    """Start the fork server now, with the library loaded (the dashboard, before it answers): its first upload
    then starts its child in milliseconds, not the seconds loading the library takes."""
    if sys.platform != "linux":
        return
    from multiprocessing import forkserver

    mp.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


def _die_with_parent(parent: int | None) -> None:
    """End this process when its parent ends: the kernel's signal on Linux, and a watch of the parent's id
    (a dead parent's children are adopted by another process) for everything else. `parent` is the pid of the
    process that asked for this one when it is also its parent (fork), else None (a fork server's child: the
    server ends when the process that started it ends, and its children with it)."""
    if parent is None:
        parent = os.getppid()
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name=WATCH, daemon=True).start()


def _address_space() -> int | None:
    """This process's virtual size in bytes (Linux), the base the memory cap is added to."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cap_memory(memory_mb: float | None) -> None:
    """Cap the address space at what the process holds now plus `memory_mb`: an allocation past it fails (a
    MemoryError in Python, an abort in the Excel parser) in this process only."""
    if not memory_mb:
        return
    try:
        import resource
    except ImportError:  # not on this system: the process still ends alone
        return
    try:  # Arrow's allocator (mimalloc) reserves 1 GiB of address space on its first use: before the cap, not in it
        import pyarrow

        pyarrow.allocate_buffer(1)
    except Exception:  # noqa: BLE001  no Arrow, nothing reserved
        pass
    base = _address_space()
    if base is None:
        return
    cap = base + int(memory_mb * 1024 * 1024)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _parent(ctx) -> int | None:
    """What a child of `ctx` compares its parent's pid with (see _die_with_parent)."""
    return os.getpid() if ctx.get_start_method() == "fork" else None


def _serve(conn: Connection, fn: Callable, shared: tuple, parent: int | None, memory_mb: float | None) -> None:
    """A worker: run fn(*item, *shared) for every item sent, one answer per item, until told to stop."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    _cap_memory(memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        for index, item in task:
            try:
                answer: tuple = (index, True, fn(*item, *shared))
            except MemoryError:
                answer = (index, False, Failure("memory", _memory_reason(memory_mb)))
            except BaseException as exc:  # noqa: BLE001  handed to the caller, who decides
                # the traceback stays here, in the server's log: the caller gets the exception only
                LOG.warning("%s gagal di proses anak", getattr(fn, "__name__", fn), exc_info=True)
                answer = (index, False, exc)
            try:
                conn.send(answer)
            except Exception as exc:  # an answer that cannot be pickled
                conn.send((index, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _memory_reason(memory_mb: float | None) -> str:
    limit = f"{memory_mb:,.0f} MB".replace(",", ".") if memory_mb else "memori mesin"
    return (f"berkas ini memerlukan memori melebihi batas {limit} per berkas untuk dibaca (mis. sel berisi yang "
            "sangat jauh dari tabelnya): berkas ditolak, berkas lain tetap dimuat")


def _death_reason(exitcode: int | None, memory_mb: float | None) -> Failure:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) and memory_mb:
            return Failure("memory", f"proses pembaca berhenti mendadak ({name}); kemungkinan "
                                     f"{_memory_reason(memory_mb)}")
        return Failure("died", f"proses pembaca berhenti mendadak ({name}) saat membaca berkas ini: berkas ditolak, "
                               "berkas lain tetap dimuat")
    return Failure("died", f"proses pembaca berhenti (kode {exitcode}) saat membaca berkas ini: berkas ditolak, "
                           "berkas lain tetap dimuat")


class _Worker:
    def __init__(self, ctx, fn: Callable, shared: tuple, memory_mb: float | None):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, fn, shared, _parent(ctx), memory_mb), daemon=True,
                                name="zi-worker")
        self.proc.start()
        child.close()
        self.assigned: deque[int] = deque()  # items sent and not yet answered, in the order they are worked on
        self.since = time.monotonic()  # when the item being worked on was started

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


class Pool:
    """A few capped workers running fn(*item, *shared) over items; see the module's docstring.

    `shared` is sent once to each worker (the survey values, the flags), the items one chunk at a time."""

    def __init__(self, fn: Callable, shared: tuple = (), workers: int = 2, memory_mb: float | None = None,
                 seconds: float | None = None, chunk: int = 8):
        lim = limits()
        self.fn, self.shared, self.n = fn, shared, max(1, workers)
        self.memory_mb = lim["memory_mb"] if memory_mb is None else memory_mb
        self.seconds = lim["seconds"] if seconds is None else seconds
        self.chunk = chunk
        self.ctx = _context()
        self.workers: list[_Worker] = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self.workers:
            w.stop(kill=bool(w.assigned))
        self.workers = []

    def map(self, items: Sequence[tuple]) -> Iterator[Any]:
        """fn's result for each item, in order; a Failure where the worker died, ran out of memory or time, or fn
        raised (the exception's text in the Failure)."""
        n = len(items)
        if not n:
            return
        # small runs: one item a message, so that the work spreads; large ones: chunks, fewer round trips
        size = max(1, min(self.chunk, n // (self.n * 4)))
        pending = deque(range(n))
        results: dict[int, Any] = {}
        done = 0
        while done < n:
            self._replace_dead(pending, min(self.n, n - done))
            for w in self.workers:  # each worker two chunks ahead, so it never waits for the next one
                while pending and len(w.assigned) < 2 * size:
                    take = [pending.popleft() for _ in range(min(size, len(pending)))]
                    if not w.assigned:
                        w.since = time.monotonic()
                    w.assigned.extend(take)
                    try:
                        w.conn.send([(i, items[i]) for i in take])
                    except OSError:  # it has died: these never reached it (what it had is answered below)
                        for i in take:
                            w.assigned.remove(i)
                        pending.extendleft(reversed(take))
                        break
            busy = [w for w in self.workers if w.assigned]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            for w in busy:
                if w.conn in ready or w.proc.sentinel in ready:
                    self._collect(w, results)
                elif self.seconds and time.monotonic() - w.since > self.seconds:
                    w.proc.kill()
                    w.proc.join(timeout=5)
                    self._collect(w, results, timed_out=True)
            while done in results:
                yield results.pop(done)
                done += 1

    def _replace_dead(self, pending: deque[int], wanted: int) -> None:
        """Start workers up to `wanted`; a worker that has ended is replaced, the items it had not begun go back
        to the front of the queue."""
        alive = []
        for w in self.workers:
            if w.proc.is_alive() and not w.conn.closed:
                alive.append(w)
            else:
                pending.extendleft(reversed(w.assigned))
                w.assigned.clear()
                if not w.conn.closed:
                    w.conn.close()
        self.workers = alive
        while len(self.workers) < wanted:
            self.workers.append(_Worker(self.ctx, self.fn, self.shared, self.memory_mb))

    def _collect(self, w: _Worker, results: dict[int, Any], timed_out: bool = False) -> None:
        """Every answer the worker has sent; if it is gone, its current item gets the Failure that explains why."""
        try:
            while w.conn.poll():
                index, ok, value = w.conn.recv()
                if index in w.assigned:
                    w.assigned.remove(index)
                w.since = time.monotonic()
                results[index] = value if ok else (value if isinstance(value, Failure) else
                                                   Failure("error", f"{type(value).__name__}: {value}"))
            if w.proc.is_alive():
                return
        except (EOFError, OSError):
            pass
        w.proc.join(timeout=5)
        if w.assigned:
            culprit = w.assigned.popleft()  # the item it was working on: the rest were never begun
            if timed_out:
                results[culprit] = Failure("timeout", f"membaca berkas ini melebihi {self.seconds:,.0f} detik: "
                                                      "berkas ditolak".replace(",", "."))
            else:
                results[culprit] = _death_reason(w.proc.exitcode, self.memory_mb)
        w.conn.close()


def call(fn: Callable, *args: Any, memory_mb: float | None = 0, seconds: float | None = 0, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) in a fresh child process: its result, or the exception it raised; WorkerDied when the
    child ended without an answer (or took more than `seconds`). No memory or time limit unless given (a child that
    reads files runs its own capped workers)."""
    ctx = _context()
    parent, child = ctx.Pipe()
    target = partial(fn, **kwargs) if kwargs else fn
    # not a daemon: the child may start reading workers of its own
    proc = ctx.Process(target=_serve, args=(child, target, (), _parent(ctx), memory_mb), daemon=False,
                       name="zi-call")
    proc.start()
    child.close()
    deadline = time.monotonic() + seconds if seconds else None
    try:
        try:
            parent.send([(0, args)])
            parent.send(None)
        except OSError:  # it ended at once
            pass
        while parent.poll(None if deadline is None else max(0.0, deadline - time.monotonic())):
            try:
                _, ok, value = parent.recv()
            except (EOFError, OSError):  # ended without an answer
                break
            if ok:
                return value
            if isinstance(value, Failure):
                raise WorkerDied(value)
            raise value
        else:
            proc.kill()
            proc.join(timeout=5)
            raise WorkerDied(Failure("timeout", f"pekerjaan melebihi {seconds:,.0f} detik dan dihentikan"
                                     .replace(",", ".")))
        proc.join(timeout=5)
        if memory_mb:  # a reading child
            raise WorkerDied(_death_reason(proc.exitcode, memory_mb))
        raise WorkerDied(Failure("died", f"proses latar berhenti sebelum selesai (kode {proc.exitcode})"))
    finally:
        parent.close()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()


class WriteFailed(RuntimeError):
    """A write the dashboard asked for failed for a reason that is not the person's (the message says so in
    Bahasa Indonesia; the details are in the server's log)."""


# What a write may raise for the person to read: the reason is theirs (a role, a row gone, a bad value).
PERSON_ERRORS = (PermissionError, KeyError, ValueError)


def write(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) as the dashboard writes: in a child process, so that the dashboard's own process only
    ever holds read-only connections (DuckDB refuses a write connection beside them in one process). Errors meant
    for people pass through; anything else is logged here and raised as WriteFailed."""
    try:
        return call(fn, *args, **kwargs)
    except PERSON_ERRORS:
        raise
    except Exception as exc:
        LOG.error("penulisan %s gagal: %r", getattr(fn, "__name__", fn), exc)
        if "lock" in str(exc).lower():
            raise WriteFailed("Basis data sedang dipakai oleh proses lain (mis. pemuatan berkas). Coba lagi "
                              "sebentar lagi.") from exc
        raise WriteFailed("Perubahan tidak tersimpan karena kesalahan di server; tidak ada yang berubah. Coba "
                          "lagi, atau hubungi pengelola bila berulang (rinciannya ada di log server).") from exc


def message(exc: BaseException) -> str:
    """An error of PERSON_ERRORS or WriteFailed as a sentence (a KeyError's text without its quotes)."""
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
