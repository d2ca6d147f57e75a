"""Background jobs (uploads being ingested): a registry that reports progress and problems.

A job runs in its own thread so a long ingest never holds a request open; clients poll
``GET /jobs/{id}``. Job ids are random (128 bits), so one client cannot guess another's job.
The registry keeps the most recent jobs only, at most ``max_active`` jobs are queued or running
at once (``TCMKG_MAX_INGEST_JOBS``; one more is refused with :class:`JobQueueFullError`), and a
job keeps its first problems only (``TCMKG_MAX_PROBLEMS_KEPT``, with the exact total and counts
by code), so memory stays bounded however many uploads or bad records arrive.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from api.models import JobOut, ProblemOut
from ingest.problems import DEFAULT_PROBLEMS_KEPT, ProblemCode, ProblemLog, Severity

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "succeeded", "failed"]
MAX_JOBS = 200
DEFAULT_MAX_ACTIVE = 8
# What a client refused for a full queue is told to wait, in seconds (Retry-After).
RETRY_AFTER_SECONDS = 10


class JobQueueFullError(Exception):
    """As many jobs as allowed are queued or running; the client should retry later."""

    def __init__(self, active: int, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(
            f"{active} jobs are already queued or running, the most this server takes; "
            f"retry in {retry_after} s"
        )
        self.active = active
        self.retry_after = retry_after


@dataclass
class Job:
    """One job's state; updated by its worker through :class:`JobProgress`."""

    id: str
    kind: str
    state: JobState = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    done: int = 0
    total: int | None = None
    message: str | None = None
    summary: dict[str, int] = field(default_factory=dict)
    problems: list[ProblemOut] = field(default_factory=list)
    problems_total: int = 0
    problem_counts: Counter[str] = field(default_factory=Counter)
    # A log whose counts are the job's (its worker reports problems there, not one by one).
    problem_log: ProblemLog | None = None

    def snapshot(self) -> JobOut:
        """The job as the API reports it (a ``problems.dropped`` entry closes a capped list)."""
        problems = list(self.problems)
        total, counts = self.problems_total, Counter(self.problem_counts)
        if self.problem_log is not None:
            total += len(self.problem_log)
            counts.update(self.problem_log.counts())
        dropped = total - len(self.problems)
        if dropped > 0:
            by_code = ", ".join(f"{c} {n:,}" for c, n in counts.most_common())
            problems.append(
                ProblemOut(
                    code=ProblemCode.PROBLEMS_DROPPED.value,
                    file="-",
                    record="-",
                    message=f"{dropped:,} more problems were found and counted but not listed "
                    f"(the {len(self.problems):,} above are); by code: {by_code}",
                    severity=Severity.WARNING.value,
                )
            )
        return JobOut(
            id=self.id,
            kind=self.kind,
            state=self.state,
            created=self.created,
            started=self.started,
            finished=self.finished,
            done=self.done,
            total=self.total,
            message=self.message,
            summary=dict(self.summary),
            problems=problems,
            problems_total=total,
            problem_counts=dict(counts.most_common()),
        )


class JobProgress:
    """What a job's worker may do: report totals, progress, problems and a summary."""

    def __init__(
        self, job: Job, lock: threading.Lock, max_problems: int = DEFAULT_PROBLEMS_KEPT
    ) -> None:
        self._job = job
        self._lock = lock
        self._max_problems = max_problems

    def set_total(self, total: int | None) -> None:
        """Set how many units of work there are (None when unknown)."""
        with self._lock:
            self._job.total = total

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        with self._lock:
            self._job.done += n

    def problem(self, problem: ProblemOut) -> None:
        """Report a problem; the first ones are kept, all are counted (by code too)."""
        with self._lock:
            self._job.problems_total += 1
            self._job.problem_counts[problem.code] += 1
            if len(self._job.problems) < self._max_problems:
                self._job.problems.append(problem)

    def count_problems_of(self, problems: ProblemLog) -> None:
        """Take the job's problem total and counts from ``problems`` as it fills.

        The log passes on the problems it keeps (to :meth:`kept_problem`); the rest are only
        counted there, which costs far less than reporting each one here.
        """
        with self._lock:
            self._job.problem_log = problems

    def kept_problem(self, problem: ProblemOut) -> None:
        """List a problem in full: one the log given to :meth:`count_problems_of` counted and
        kept (the log bounds how many it keeps)."""
        with self._lock:
            self._job.problems.append(problem)

    def summarise(self, **counts: int) -> None:
        """Record summary counts (records read, written, skipped …)."""
        with self._lock:
            self._job.summary.update(counts)

    def note(self, message: str) -> None:
        """Set the job's human-readable status line."""
        with self._lock:
            self._job.message = message


JobWork = Callable[[JobProgress], None]


class JobSlot:
    """A place in the job queue, taken before an upload is read and given to its job.

    Released when its job ends, or by :meth:`release` when no job comes of it (a malformed
    form); releasing twice does nothing.
    """

    def __init__(self, registry: JobRegistry) -> None:
        self._registry = registry
        self._held = True

    def release(self) -> None:
        """Give the place back (once)."""
        if self._held:
            self._held = False
            self._registry._release()


class JobRegistry:
    """Starts jobs in threads and keeps the most recent :data:`MAX_JOBS` of them.

    At most ``max_active`` jobs are queued or running (places taken by :meth:`reserve` count);
    each keeps its first ``max_problems`` problems in full.
    """

    def __init__(
        self, *, max_active: int = DEFAULT_MAX_ACTIVE, max_problems: int = DEFAULT_PROBLEMS_KEPT
    ) -> None:
        if max_active < 1:
            raise ValueError(f"max_active must be at least 1, not {max_active}")
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._active = 0
        self.max_active = max_active
        self.max_problems = max_problems

    def reserve(self) -> JobSlot:
        """Take a place in the queue; raise :class:`JobQueueFullError` when none is free."""
        with self._lock:
            if self._active >= self.max_active:
                raise JobQueueFullError(self._active)
            self._active += 1
        return JobSlot(self)

    def _release(self) -> None:
        with self._lock:
            self._active -= 1

    @property
    def active(self) -> int:
        """Jobs queued or running, with places reserved for uploads still arriving."""
        with self._lock:
            return self._active

    def submit(self, kind: str, work: JobWork, slot: JobSlot | None = None) -> JobOut:
        """Start ``work`` in the background in ``slot`` (else a new place); return the job.

        Raises :class:`JobQueueFullError` when no slot is given and the queue is full.
        """
        slot = slot or self.reserve()
        job = Job(id=secrets.token_hex(16), kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].state in ("queued", "running"):
                    break  # never forget a job that is still running
                del self._jobs[oldest]
            snapshot = job.snapshot()
        try:
            threading.Thread(
                target=self._run, args=(job, work, slot), name=f"job-{kind}", daemon=True
            ).start()
        except BaseException:
            slot.release()
            raise
        return snapshot

    def _run(self, job: Job, work: JobWork, slot: JobSlot) -> None:
        with self._lock:
            job.state = "running"
            job.started = time.time()
        error: Exception | None = None
        try:
            work(JobProgress(job, self._lock, self.max_problems))
        except Exception as err:
            log.exception("job %s (%s) failed", job.id, job.kind)
            error = err
        finally:
            # Before the job shows as ended: a client that saw it end finds its place free.
            slot.release()
        with self._lock:
            job.state = "failed" if error else "succeeded"
            job.message = f"{type(error).__name__}: {error}" if error else job.message
            job.finished = time.time()

    def get(self, job_id: str) -> JobOut | None:
        """The job's current state, or None if unknown (or long forgotten)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.snapshot() if job else None

    def wait(self, job_id: str, timeout: float) -> JobOut | None:
        """Poll until the job ends or ``timeout`` passes (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job.state in ("succeeded", "failed"):
                return job
            if time.monotonic() > deadline:
                return job
            time.sleep(0.05)
