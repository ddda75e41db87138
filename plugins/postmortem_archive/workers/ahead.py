"""Work done ahead on another core, in a forked process (no MkDocs import).

MkDocs builds pages one at a time on one core. What the plugin adds to each postmortem page
(its header and footer) depends only on the archive, which is complete before the first page is
built, so a forked copy of the process (`Ahead`) can render them in page order while MkDocs
converts Markdown, and the page takes its fragments when it gets there. A result the worker has
not delivered yet (it fell behind, it failed, or a key came out of order) is computed in this
process instead: the output is the same either way, only where the work ran differs. `Split`
shares keys between this process and a worker, each done by exactly one of them (the parsing of
the files, through `split_map`). `Background` runs one job (the large exports) whose results are
files. Each stays only while it pays on the default configuration (docs/decisions.md,
"Mechanisms that exist for speed").

Fork, not spawn: the child starts with the archive and the templates already in memory and
inherits the function to run (a closure cannot be pickled). Fork is only safe while this process
has no other thread, so callers start it outside `mkdocs serve` and before any thread of their
own; `Ahead` has no reader thread (its caller polls the pipe), so a `Split` can be forked while
it runs. Not `multiprocessing.Pool`: terminating a worker in the middle of sending a result can
leave the pool's result thread waiting forever (seen here, once in a few builds); a plain fork, a
pipe and our own reader thread can always be stopped.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO, Generic, TypeVar

try:
    import fcntl
except ImportError:  # Windows: no fork either, so no worker
    fcntl = None  # type: ignore[assignment]

K = TypeVar("K")
V = TypeVar("V")

CHUNK = 8  # results per message: few enough that the first ones come at once
# Split's and Background's workers yield to everything else: MkDocs' own process is the build's
# critical path, and Pagefind, indexing beside the build, has to finish with it (measured: 1,000
# postmortems, 4% less wall).
WORKER_NICENESS = 19
STALL_SECONDS = 60.0  # Split: a worker silent this long on a key it claimed is stopped, its keys done here
PIPE_BYTES = 1 << 20  # room for the worker's results the reader has not read yet (Linux's default is 64 KiB)


def cores() -> int:
    """The processors this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def unusable(items: int, minimum: int = 50) -> str:
    """Why a worker is not worth a process or not safe to fork ("" when it is): too few items, one
    core, no fork (Windows), or another thread in this process (a test runner's, a server's: a
    fork copies their locks too)."""
    if items < minimum:
        return f"{items} items, fewer than {minimum}"
    if cores() < 2:
        return "one core"
    if not hasattr(os, "fork"):
        return "no fork on this system"
    if threading.active_count() != 1:
        return f"{threading.active_count() - 1} other thread(s) in this process"
    return ""


def usable(items: int, minimum: int = 50) -> bool:
    return not unusable(items, minimum)


class _Forked:
    """A forked worker process and, when it reports back, its pipe and the thread that reads it
    (or none: the caller polls the pipe)."""

    _pid = 0
    _reader: threading.Thread | None = None
    _pipe: BinaryIO | None = None

    def _fork(self, send: Callable[[BinaryIO], None], read: Callable[[BinaryIO], None] | None, name: str) -> None:
        """Fork a worker that runs `send` on its end of a pipe and leaves without any cleanup; a
        thread of this process runs `read` on the other end, if given."""
        read_end, write_end = os.pipe()
        if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux only
            with contextlib.suppress(OSError):  # capped by fs.pipe-max-size: the default size then
                fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._pid = os.fork()
        if self._pid == 0:
            os.close(read_end)
            try:
                with os.fdopen(write_end, "wb") as out:
                    send(out)
            finally:
                os._exit(0)
        os.close(write_end)
        self._pipe = pipe = os.fdopen(read_end, "rb")
        if read is not None:
            self._reader = threading.Thread(target=read, args=(pipe,), name=name, daemon=True)
            self._reader.start()

    def _stop_worker(self) -> None:
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0

    def close(self) -> None:
        """Stop the worker if it still runs, and the reader with it."""
        self._stop_worker()
        if self._reader is not None:
            self._reader.join()
        if self._pipe is not None:
            self._pipe.close()


def _send(out: BinaryIO, message: object) -> None:
    """One message to the reader: its length, then its pickle, in one write."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "little") + data)
    out.flush()


class _Inbox:
    """The worker's messages, parsed from as few reads of the pipe as it allows: a reader thread
    needs the GIL back after each read, and the main thread, busy converting pages, hands it over
    only every few milliseconds; pickle.load's many small reads left the worker waiting on a full
    pipe (measured: 50 pages converted in 2 s, against 2.6 ms each). A cut-off message at the end
    (the worker failed or was stopped) is dropped."""

    def __init__(self, pipe: BinaryIO) -> None:
        self._fd = pipe.fileno()
        self._buffer = bytearray()
        self.ended = False

    def read(self) -> list[object]:
        """The messages that are complete after one read (which waits, if the pipe blocks)."""
        chunk = os.read(self._fd, PIPE_BYTES)
        if not chunk:
            self.ended = True
            return []
        buffer, start, messages = self._buffer, 0, []
        buffer += chunk
        while len(buffer) - start >= 8:
            end = start + 8 + int.from_bytes(buffer[start : start + 8], "little")
            if end > len(buffer):
                break
            messages.append(pickle.loads(buffer[start + 8 : end]))
            start = end
        del buffer[:start]
        return messages


def _receive(pipe: BinaryIO) -> Iterator[object]:
    """Every message of the worker, until the pipe closes (for a reader thread)."""
    inbox = _Inbox(pipe)
    while not inbox.ended:
        yield from inbox.read()


class Ahead(_Forked, Generic[K, V]):
    """`compute(key)` for each key, in order, in a forked worker; `get` takes them as they come."""

    def __init__(self, keys: Sequence[K], compute: Callable[[K], V]) -> None:
        self._compute = compute
        self._position = {key: index for index, key in enumerate(keys)}
        self._done: dict[int, V] = {}
        self._next = 0  # index of the next result the worker delivers
        self.from_worker = 0
        # A process forked from this one (another worker) shares the pipe: were it to read, it
        # would take results meant for this process, which would then pair them with wrong keys.
        self._owner = os.getpid()

        def send(out: BinaryIO) -> None:  # in the worker: compute in order, in chunks
            for start in range(0, len(keys), CHUNK):
                _send(out, [compute(key) for key in keys[start : start + CHUNK]])

        # No reader thread: `get` reads what has come, without waiting. The worker waits when the
        # pipe is full, which is far enough ahead; and with no thread here, another worker can
        # still be forked safely while this one runs.
        self._fork(send, None, "postmortems-ahead")
        assert self._pipe is not None
        os.set_blocking(self._pipe.fileno(), False)
        self._inbox = _Inbox(self._pipe)

    def get(self, key: K) -> V:
        index = self._position.get(key)
        if index is not None and os.getpid() == self._owner:
            self._collect(index)
            if index in self._done:
                self.from_worker += 1
                return self._done.pop(index)
        return self._compute(key)

    def _collect(self, index: int) -> None:
        """Take every result the worker has delivered up to `index`, without waiting for it."""
        while self._next <= index and not self._inbox.ended:
            try:
                chunks = self._inbox.read()
            except BlockingIOError:
                return  # behind: the caller computes this one itself
            except (pickle.UnpicklingError, OSError, ValueError):
                self._inbox.ended = True
                chunks = []
            for chunk in chunks:
                for value in chunk:  # type: ignore[attr-defined]
                    self._done[self._next] = value
                    self._next += 1
        for stale in [i for i in self._done if i < index]:  # keys the caller computed itself
            del self._done[stale]


def split_map(keys: Sequence[K], compute: Callable[[K], V]) -> list[V]:
    """[compute(k) for k in keys], shared with a forked worker (`Split`): it takes keys from the
    last backwards while this process goes from the first, so each key is computed once and
    neither side waits for the other."""
    if not usable(len(keys)):
        return [compute(key) for key in keys]
    split = Split(keys, compute)
    try:
        results: list[V] = []
        for key in keys:
            done, value = split.take(key)
            results.append(value if done else compute(key))  # type: ignore[arg-type]
        return results
    finally:
        split.close()


class Split(_Forked, Generic[K, V]):
    """Keys shared between this process and a forked worker, each done exactly once: the worker
    takes them from the last backwards, this process (`take`) usually from the first, and they
    meet wherever their speeds put them, so neither waits for the other and no split is guessed.

    `work(key)` runs in the worker; it does the work where its effect lasts (for example writes a
    file) and returns a small result for this process. Each key is claimed in shared memory under
    a lock before either side starts it. A key the worker claimed but could not finish (`work`
    raised, or the worker died) is reported as not done, and this process does it instead.
    """

    FREE, WORKER, HERE = 0, 1, 2

    def __init__(self, keys: Sequence[K], work: Callable[[K], V]) -> None:
        fork = multiprocessing.get_context("fork")
        self._position = {key: index for index, key in enumerate(keys)}
        self._claims = fork.RawArray("b", len(keys))  # FREE, WORKER or HERE per key
        self._lock = fork.Lock()
        self._done: dict[int, tuple[bool, V | None]] = {}
        self._ended = False
        self._changed = threading.Condition()
        self.from_worker = 0

        def send(out: BinaryIO) -> None:  # in the worker: claim from the end, work, report
            os.nice(WORKER_NICENESS)
            for index in reversed(range(len(keys))):
                with self._lock:
                    if self._claims[index] != self.FREE:
                        continue  # this process got here first (any order works; this one is fastest)
                    self._claims[index] = self.WORKER
                try:
                    result: tuple[int, bool, V | None] = (index, True, work(keys[index]))
                except Exception:
                    result = (index, False, None)
                _send(out, result)

        self._fork(send, self._read, "postmortems-split")

    def _read(self, pipe: BinaryIO) -> None:
        try:
            for message in _receive(pipe):
                index, ok, value = message  # type: ignore[misc]
                with self._changed:
                    self._done[index] = (ok, value)
                    self._changed.notify_all()
        except (pickle.UnpicklingError, OSError, ValueError):
            pass
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def take(self, key: K) -> tuple[bool, V | None]:
        """(True, the worker's result) if the worker did `key`; (False, None) if this process must:
        the key was still free (now claimed here), unknown, or the worker failed on it."""
        index = self._position.get(key)
        if index is None:
            return False, None
        with self._lock:
            if self._claims[index] == self.FREE:
                self._claims[index] = self.HERE
                return False, None
        with self._changed:  # the worker has it: it is done or nearly
            while index not in self._done and not self._ended:
                if not self._changed.wait(timeout=STALL_SECONDS):
                    self._stop_worker()  # stuck: it must not write anything after this process does
                    self._ended = True
            ok, value = self._done.pop(index, (False, None))
        self.from_worker += ok
        return ok, value


class Background(_Forked):
    """`work()` once, in a forked worker that leaves its results where they belong (files), at the
    lowest priority; `wait` says whether it finished within `timeout` seconds (a hung worker must
    not hang the build). If it did not, `failure` says why and the caller does the work."""

    def __init__(self, work: Callable[[], None], timeout: float) -> None:
        self.timeout = timeout
        self.failure = ""
        self._pid = os.fork()
        if self._pid == 0:
            code = 1
            try:
                os.nice(WORKER_NICENESS)
                work()
                code = 0
            finally:
                os._exit(code)

    def wait(self) -> bool:
        if not self._pid:
            return False
        deadline = time.monotonic() + self.timeout
        while True:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.failure = f"did not finish in {self.timeout:.0f} s and was stopped"
                self._stop_worker()
                return False
            time.sleep(0.01)
        self._pid = 0
        code = os.waitstatus_to_exitcode(status)
        self.failure = "" if code == 0 else f"failed (exit {code})"
        return code == 0
