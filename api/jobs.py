"""Background jobs (uploads being ingested): a registry that reports progress and problems.

A job runs in its own thread so a long ingest never holds a request open; clients poll
``GET /jobs/{id}``. Job ids are random (128 bits), so one client cannot guess another's job.
The registry keeps the most recent jobs only, and a job keeps its first problems only (with
the total count), so memory stays bounded however many uploads or bad records arrive.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from api.models import JobOut, ProblemOut

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "succeeded", "failed"]
MAX_JOBS = 200
MAX_PROBLEMS_KEPT = 500


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

    def snapshot(self) -> JobOut:
        """The job as the API reports it."""
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
            problems=list(self.problems),
            problems_total=self.problems_total,
        )


class JobProgress:
    """What a job's worker may do: report totals, progress, problems and a summary."""

    def __init__(self, job: Job, lock: threading.Lock) -> None:
        self._job = job
        self._lock = lock

    def set_total(self, total: int | None) -> None:
        """Set how many units of work there are (None when unknown)."""
        with self._lock:
            self._job.total = total

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        with self._lock:
            self._job.done += n

    def problem(self, problem: ProblemOut) -> None:
        """Report a problem; the first ones are kept, all are counted."""
        with self._lock:
            self._job.problems_total += 1
            if len(self._job.problems) < MAX_PROBLEMS_KEPT:
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


class JobRegistry:
    """Starts jobs in threads and keeps the most recent :data:`MAX_JOBS` of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def submit(self, kind: str, work: JobWork) -> JobOut:
        """Start ``work`` in the background; return the queued job."""
        job = Job(id=secrets.token_hex(16), kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].state in ("queued", "running"):
                    break  # never forget a job that is still running
                del self._jobs[oldest]
            snapshot = job.snapshot()
        threading.Thread(
            target=self._run, args=(job, work), name=f"job-{kind}", daemon=True
        ).start()
        return snapshot

    def _run(self, job: Job, work: JobWork) -> None:
        with self._lock:
            job.state = "running"
            job.started = time.time()
        try:
            work(JobProgress(job, self._lock))
        except Exception as err:
            log.exception("job %s (%s) failed", job.id, job.kind)
            with self._lock:
                job.state = "failed"
                job.message = f"{type(err).__name__}: {err}"
                job.finished = time.time()
            return
        with self._lock:
            job.state = "succeeded"
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
