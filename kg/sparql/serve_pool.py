"""Worker processes for `kg serve`: each query runs in a forked process that can be killed at its time limit.

pyoxigraph cannot interrupt a query from another thread, so a query that must stop has to lose its process.
The layout, all on one machine:

    kg serve (HTTP threads, supervisor) --socket--> factory --fork--> worker, worker, ...

- The **factory** is forked from `kg serve` before any thread starts, and loads the store (so `kg serve`
  itself never holds it). Then it does one thing: fork a worker when asked, and hand the worker's socket back
  (SCM_RIGHTS). A fork shares the store's memory pages with the factory (copy-on-write), so a new worker costs
  a fraction of a second (0.08 s for a 1.6 GB store) and no memory at first. Forking from a single-threaded
  process is safe; forking from the HTTP server's threads would not be.
- A **worker** takes one request at a time from its socket, runs it and answers. Queries write to the
  pages of pyoxigraph's in-memory store they walk (measured: 1.1 GB of 1.6 GB after eight named queries on
  the full ainews-zh graph), so a worker's pages stop being
  shared one by one as it answers queries; a worker whose own memory has passed `worker_memory_mb` is
  replaced by a fresh fork after its answer, which bounds the memory of the pool. Before its first query it
  gives up what a query has no use for: every file descriptor but its socket, and the right to open new ones
  (RLIMIT_NOFILE), so nothing a query says can open a file or a network connection (SPARQL `SERVICE`).
- The **supervisor** (WorkerPool, in the HTTP server's process) hands each request to an idle worker and waits
  for the answer up to the time limit. A worker still busy at the limit is killed (SIGKILL: the work stops at
  once) and replaced by a fresh fork. A query that has used `slow_after` seconds of CPU has its worker's
  priority lowered (nice +10) so short queries keep the CPU, and a fresh worker takes its place in the pool (up
  to `size` such stand-ins at once), so slow queries never hold the workers quick ones need; the slow worker
  ends once it answers. If the client hangs up while its query runs, the worker is killed and replaced.

The factory and every worker die with their parent (PR_SET_PDEATHSIG), so stopping `kg serve` in any way stops
them all.
"""
from __future__ import annotations

import collections
import ctypes
import os
import pickle
import resource
import select
import signal
import socket
import struct
import threading
import time
from multiprocessing.connection import Connection

from kg.errors import KgError

_PR_SET_PDEATHSIG = 1
QUEUE_LIMIT_FACTOR = 10  # a request waits for a free worker up to this many time limits (if its client waits)
SLOW_CHECK = 0.25  # seconds between looks at a running query's CPU time
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_WORKER_FD = 3  # a worker keeps fds 0-2 (stdin from /dev/null) and its socket, and can open no other
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # not Linux/glibc: workers then outlive a killed parent until their socket closes
    _LIBC = None


class PoolError(KgError):
    """A request the pool could not answer; `reason` says why in words for the client."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class QueryTimeout(PoolError):
    """The query ran past the time limit; its worker was killed."""


class PoolBusy(PoolError):
    """No worker became free within the time limit."""


class WorkerLost(PoolError):
    """The worker died while running the query (out of memory, a crash)."""


class ClientGone(PoolError):
    """The client closed its connection while its query ran; the worker was killed."""


class _Worker:
    __slots__ = ("pid", "conn", "retire", "stood_in", "pidfd")

    def __init__(self, pid: int, conn: Connection):
        self.pid = pid
        self.conn = conn
        self.retire = False  # replace after its current request (its priority was lowered)
        self.stood_in = False  # a fresh worker already took its place in the pool: end it, do not replace it
        try:  # readable once the process has ended (it is the factory's child, not ours: no waitpid here)
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None


class _Ticket:
    __slots__ = ("ready", "worker")

    def __init__(self):
        self.ready = threading.Event()
        self.worker: _Worker | None = None


class WorkerPool:
    """`size` workers running handler(state, request) -> reply, each request under `timeout` seconds.

    load() -> (state, info) runs in the factory, which keeps `state` (this process never holds it: its memory is
    paid once); `info` (picklable) comes back as self.info, and so does an exception load() raises.
    Create the pool before starting any thread in this process: it forks the factory."""

    def __init__(self, load, handler, *, size: int, timeout: float, slow_after: float = 1.0,
                 queue_limit: float | None = None, worker_memory_mb: float | None = None):
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = size
        self.timeout = timeout
        self.queue_limit = queue_limit if queue_limit is not None else QUEUE_LIMIT_FACTOR * timeout
        self.worker_memory_mb = worker_memory_mb
        self.slow_after = slow_after
        self._ctl, factory_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._ctl.close()
            _run_factory(factory_end, parent, load, handler)  # never returns
        factory_end.close()
        self.factory_pid = pid
        try:
            ok, self.info = pickle.loads(_recv_message(self._ctl))
        except (OSError, EOFError, pickle.UnpicklingError):
            self._stop_factory()
            raise WorkerLost("the worker factory stopped while loading (out of memory?)") from None
        except BaseException:  # Ctrl-C while loading
            self._stop_factory()
            raise
        if not ok:
            self._stop_factory()
            raise self.info
        self._spawn_lock = threading.Lock()
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._waiters: collections.deque[_Ticket] = collections.deque()  # requests waiting for a worker, in order
        self._all: dict[int, _Worker] = {}
        self._closed = False
        self._slow = 0  # slow queries whose worker has a stand-in (at most `size`)
        self.replaced = 0  # workers killed and replaced (time limit, lowered priority, client gone, crash, memory)
        self.recycled = 0  # of which for their memory
        for _ in range(size):
            self._idle.append(self._spawn())

    # ---------------------------------------------------------------- workers

    def _spawn(self) -> _Worker:
        with self._spawn_lock:
            try:
                self._ctl.sendall(b"f")
                data, fds, _flags, _addr = socket.recv_fds(self._ctl, 8, 1)
            except OSError as exc:
                raise WorkerLost(f"the worker factory stopped ({exc})") from None
            if len(data) != 8 or not fds:
                raise WorkerLost("the worker factory stopped")
        worker = _Worker(struct.unpack("q", data)[0], Connection(fds[0]))
        self._all[worker.pid] = worker
        return worker

    def _kill(self, worker: _Worker) -> None:
        self._all.pop(worker.pid, None)
        try:
            if worker.pidfd is not None:
                signal.pidfd_send_signal(worker.pidfd, signal.SIGKILL)
            else:
                os.kill(worker.pid, signal.SIGKILL)  # the factory reaps it (SIGCHLD ignored there)
        except ProcessLookupError:
            pass
        worker.conn.close()
        if worker.pidfd is not None:  # wait until it is gone (a big process takes a moment to exit)
            select.select([worker.pidfd], [], [], 10.0)
            os.close(worker.pidfd)

    def _release(self, worker: _Worker, *, replace: bool) -> None:
        """Put the worker back, or kill it and put a fresh one in its place."""
        if worker.stood_in:
            self._kill(worker)
            with self._lock:
                self._slow -= 1
            return
        if not (replace or worker.retire) and self.worker_memory_mb and not self._closed \
                and private_mb(worker.pid) > self.worker_memory_mb:  # grown apart from the factory: start afresh
            self.recycled += 1
            threading.Thread(target=self._release, args=(worker,), kwargs={"replace": True}, daemon=True).start()
            return  # replaced in the background: the answer goes out meanwhile
        if replace or worker.retire:
            self._kill(worker)
            self.replaced += 1
            if self._closed:
                return
            try:
                worker = self._spawn()
            except WorkerLost:
                with self._lock:
                    self.size -= 1  # no factory: the pool shrinks; requests fail with PoolBusy when it is empty
                return
        self._give(worker)

    def _give(self, worker: _Worker) -> None:
        """Hand a free worker to the request that has waited longest, or keep it idle."""
        with self._lock:
            if self._waiters:
                ticket = self._waiters.popleft()
                ticket.worker = worker
                ticket.ready.set()
            else:
                self._idle.append(worker)

    def _take(self, client: socket.socket | None) -> _Worker:
        """An idle worker that is alive (one that died while idle, killed from outside, is replaced first).

        A request waits for one while its client stays connected, up to `queue_limit` seconds."""
        deadline = time.monotonic() + self.queue_limit
        while True:
            ticket = None
            with self._lock:
                if self._idle:  # never idle while requests wait: _give hands workers to them first
                    worker = self._idle.pop()
                else:
                    ticket = _Ticket()
                    self._waiters.append(ticket)
            if ticket is not None:
                worker = self._wait_turn(ticket, deadline, client)
            try:
                alive = not worker.conn.poll(0)  # an idle worker sends nothing: readable means closed
            except OSError:
                alive = False
            if alive:
                return worker
            self._release(worker, replace=True)

    def _wait_turn(self, ticket: _Ticket, deadline: float, client: socket.socket | None) -> _Worker:
        """The worker handed to this ticket, first come first served."""
        while not ticket.ready.wait(max(0.0, min(1.0, deadline - time.monotonic()))):
            gone = client is not None and _hung_up(client)
            if gone or time.monotonic() >= deadline or self.size <= 0:
                with self._lock:
                    if ticket.worker is None:
                        self._waiters.remove(ticket)
                        if gone:
                            raise ClientGone("the client closed the connection")
                        raise PoolBusy(f"all {self.size} query workers stayed busy for {self.queue_limit:g} s;"
                                       " try again later")
                break  # a worker came just now
        return ticket.worker

    # ---------------------------------------------------------------- one request

    def run(self, request, client: socket.socket | None = None):
        """handler's reply to request, from an idle worker (waiting for one up to queue_limit).

        Raises QueryTimeout, PoolBusy, WorkerLost or ClientGone (client: the requester's socket, watched for a
        hang-up while the query runs)."""
        worker = self._take(client)
        replace = True
        try:
            try:
                worker.conn.send(request)
            except OSError:
                raise WorkerLost("the query worker stopped before it got the query") from None
            started = time.monotonic()
            cpu_before = _cpu_seconds(worker.pid)
            lowered = False
            while True:
                elapsed = time.monotonic() - started
                if elapsed >= self.timeout:
                    raise QueryTimeout(f"the query ran longer than the time limit of {self.timeout:g} s and was stopped")
                wait = self.timeout - elapsed
                if not lowered:
                    wait = min(wait, SLOW_CHECK)
                state = _wait(worker.conn, client, wait)
                if state == "answer":
                    break
                if state == "client gone":
                    raise ClientGone("the client closed the connection")
                if state == "client sent more":
                    client = None  # pipelined request: stop watching, it is read after this answer
                if not lowered and _cpu_seconds(worker.pid) - cpu_before >= self.slow_after:
                    lowered = True
                    worker.retire = True
                    _lower_priority(worker.pid)
                    self._stand_in(worker)
            try:
                reply = worker.conn.recv()
            except (EOFError, OSError):
                raise WorkerLost("the query worker stopped while running the query (out of memory or a crash)") from None
            replace = False
            return reply
        finally:
            self._release(worker, replace=replace)

    def _stand_in(self, worker: _Worker) -> None:
        """Put a fresh worker in the pool in place of one running a slow query, up to `size` slow ones at once:
        slow queries then never hold the workers that quick ones need."""
        with self._lock:
            if self._slow >= self.size or self._closed:
                return
            self._slow += 1
        try:
            fresh = self._spawn()
        except WorkerLost:
            with self._lock:
                self._slow -= 1
            return
        worker.stood_in = True
        self._give(fresh)

    def close(self) -> None:
        """Stop every worker and the factory."""
        self._closed = True
        for worker in list(self._all.values()):
            self._kill(worker)
        self._stop_factory()

    def _stop_factory(self) -> None:
        self._ctl.close()  # the factory exits when its socket closes
        try:
            os.kill(self.factory_pid, signal.SIGKILL)
            os.waitpid(self.factory_pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def pids(self) -> list[int]:
        """The factory's and the workers' process ids (for measurements)."""
        return [self.factory_pid, *self._all]


def _wait(conn: Connection, client: socket.socket | None, seconds: float) -> str:
    """'answer' when the worker has answered, 'client gone' / 'client sent more' when the client's socket turned
    readable first, 'waiting' after `seconds`."""
    watched = [conn.fileno()] + ([client.fileno()] if client is not None else [])
    readable, _, _ = select.select(watched, [], [], max(0.0, seconds))
    if conn.fileno() in readable:
        return "answer"
    if client is not None and client.fileno() in readable:
        try:
            peeked = client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return "waiting"
        except OSError:
            return "client gone"
        return "client sent more" if peeked else "client gone"
    return "waiting"


def _cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user + system): what makes a query slow, whatever else the machine runs."""
    try:
        fields = _read_stat(pid).rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _read_stat(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
        return handle.read()


def private_mb(pid: int) -> float:
    """An upper bound of the memory a worker no longer shares with the factory, in MB: its minor page faults
    since the fork (each a page copied on write or newly allocated) times the page size. /proc/PID/stat is read
    in microseconds; smaps_rollup, exact, takes 0.1-0.2 s on a 1.6 GB process."""
    try:
        return int(_read_stat(pid).rsplit(")", 1)[1].split()[7]) * _PAGE_SIZE / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0.0


def _hung_up(client: socket.socket) -> bool:
    """Whether the client closed its connection (data waiting to be read is not a hang-up)."""
    readable, _, _ = select.select([client.fileno()], [], [], 0)
    if not readable:
        return False
    try:
        return not client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True


def _lower_priority(pid: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, pid) + 10))
    except OSError:
        pass


def _die_with_parent(parent: int) -> None:
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _send_message(sock: socket.socket, data: bytes) -> None:
    sock.sendall(struct.pack("q", len(data)) + data)


def _recv_message(sock: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return out

    return exactly(struct.unpack("q", exactly(8))[0])


def _run_factory(ctl: socket.socket, parent: int, load, handler) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for kg serve, which then stops us
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed workers are reaped by the kernel
        _die_with_parent(parent)
        me = os.getpid()
        try:
            state, info = load()
            loaded = (True, info)
        except Exception as exc:  # noqa: BLE001 (raised again in the server's process)
            loaded = (False, exc)
        try:
            message = pickle.dumps(loaded)
        except Exception:  # noqa: BLE001 (an exception that does not pickle)
            message = pickle.dumps((False, RuntimeError(str(loaded[1]))))
        _send_message(ctl, message)
        if not loaded[0]:
            return
        while ctl.recv(1):
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            pid = os.fork()
            if pid == 0:
                ctl.close()
                mine.close()
                _run_worker(theirs.detach(), me, state, handler)  # never returns
            theirs.close()
            socket.send_fds(ctl, [struct.pack("q", pid)], [mine.fileno()])
            mine.close()
    except BaseException:  # noqa: BLE001 (a factory never returns into the server's code)
        code = 1
    finally:
        os._exit(code)


def _run_worker(fd: int, parent: int, state, handler) -> None:
    code = 0
    try:
        _die_with_parent(parent)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        for std in (1, 2):  # keep stdout/stderr (a crash's message reaches the log) unless they are closed
            try:
                os.fstat(std)
            except OSError:
                os.dup2(devnull, std)
        if fd != _WORKER_FD:
            os.dup2(fd, _WORKER_FD)
        os.closerange(_WORKER_FD + 1, os.sysconf("SC_OPEN_MAX"))
        resource.setrlimit(resource.RLIMIT_NOFILE, (_WORKER_FD + 1, _WORKER_FD + 1))
        conn = Connection(_WORKER_FD)
        while True:
            try:
                request = conn.recv()
            except EOFError:
                break
            try:
                reply = handler(state, request)
            except Exception as exc:  # noqa: BLE001 (the client gets the reason; the worker goes on)
                reply = handler_failure(exc)
            conn.send(reply)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def handler_failure(exc: Exception):
    """The reply of a handler that raised: (500, media type, body)."""
    return 500, "text/plain; charset=utf-8", f"the query failed: {type(exc).__name__}: {exc}\n".encode("utf-8")
