"""``POST /ingest`` (with the API key) and ``GET /jobs/{id}``: uploads ingested in the background.

An upload is copied into a fresh private temporary folder under a name the server makes (a
slug of the upload's name plus a known suffix), read by the project's hardened readers (no
XML entity expansion, no network, bounded fields), extracted and written one named graph per
document, exactly as ``tcmkg ingest`` does — matching the seed vocabulary and the herbs, formulas
and hospital preparations already imported into the store. Problems (file, record, reason) are
reported on the job as they are found; the rest of the upload still goes in.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from api.deps import (
    ApiContext,
    Context,
    authorize_write,
    documented_write_key,
)
from api.jobs import JobProgress, JobQueueFullError
from api.models import ErrorOut, JobOut, ProblemOut
from ingest.pipeline import ingest
from ingest.problems import Problem, ProblemLog
from ingest.readers import format_names, known_suffixes, read_items
from ingest.vocabulary.store_terms import ingest_vocabulary
from kg.iri import slug

router = APIRouter(tags=["ingest"])

# The upload formats POST /ingest documents: ``auto`` and the registered readers, refreshed
# when an app is built (:func:`document_formats`).
UPLOAD_FORMATS: list[str] = format_names()
# Suffixes the readers look at; any other is dropped, so the client's file name never decides
# more than which of these the server's own file name ends with.
KNOWN_SUFFIXES = known_suffixes()
COPY_CHUNK = 1 << 20
# One ingest at a time: each builds its own NLP pipeline, and two on 2 cores only slow both.
_INGEST_SLOT = threading.Lock()


def document_formats() -> None:
    """Make the OpenAPI document list the upload formats registered now."""
    UPLOAD_FORMATS[:] = format_names()


def server_file_name(client_name: str | None) -> str:
    """The name the upload is stored under: a slug of the client's stem and a known suffix."""
    base = PurePosixPath((client_name or "upload").replace("\\", "/")).name.lower()
    suffix = next((s for s in KNOWN_SUFFIXES if base.endswith(s)), "")
    stem_text = base[: len(base) - len(suffix)] if suffix else base
    # A stem with no letters or digits ("..", "") would slug to a hash: call it "upload".
    stem = slug(stem_text)[:80] if any(c.isalnum() for c in stem_text) else "upload"
    return f"{stem}{suffix}"


class _JobProblemLog(ProblemLog):
    """A problem log whose problems are the job's, shown under the upload's name.

    It keeps the job's first problems in full and passes them on; the rest it only counts,
    and the job reads those counts, so a file of millions of bad records costs no memory.
    """

    def __init__(self, progress: JobProgress, stored: Path, shown: str, keep: int) -> None:
        super().__init__(keep=keep)
        self._progress = progress
        self._stored = str(stored)
        self._shown = shown
        progress.count_problems_of(self)

    def kept(self, problem: Problem) -> None:
        shown = self._shown if problem.file.startswith(self._stored) else problem.file
        self._progress.kept_problem(
            ProblemOut(
                code=problem.code,
                file=shown,
                record=problem.record,
                message=problem.message,
                severity=problem.severity,
            )
        )


def _run_ingest(
    ctx: ApiContext, folder: Path, stored: Path, shown: str, fmt: str, progress: JobProgress
) -> None:
    try:
        progress.note("waiting for the previous ingest to finish")
        with _INGEST_SLOT:
            progress.note("ingesting")
            problems = _JobProblemLog(progress, stored, shown, ctx.jobs.max_problems)
            # Read inside the slot: names imported by an earlier job are known to this one.
            vocabulary = ingest_vocabulary(ctx.store)
            # Items, not only documents: a PubMed update file withdraws the records it deletes.
            documents = read_items([stored], fmt, problems)
            summary = ingest(
                documents,
                ctx.store,
                problems,
                entities=vocabulary.entities,
                terms=vocabulary.terms,
                on_document=lambda _doc: progress.advance(),
            )
            ctx.wrote()
            progress.summarise(
                documents=summary.documents,
                written=summary.written,
                claims=summary.claims,
                evidence=summary.evidence,
                ambiguous_relations=summary.ambiguous_relations,
                withdrawn=summary.withdrawn,
                problems=len(problems),
            )
            progress.note(
                f"{summary.written} of {summary.documents} documents written, "
                f"{len(problems)} problems"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": UPLOAD_FORMATS},
                    },
                }
            }
        },
    }
}


def _store_upload(upload: UploadFile) -> tuple[Path, Path]:
    folder = Path(tempfile.mkdtemp(prefix="tcmkg-upload-"))
    stored = folder / server_file_name(upload.filename)
    try:
        with stored.open("wb") as out:
            shutil.copyfileobj(upload.file, out, COPY_CHUNK)
    except OSError as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status_code=503, detail=f"cannot store the upload: {err}") from err
    return folder, stored


@router.post(
    "/ingest",
    operation_id="ingest_upload",
    status_code=202,
    response_model=JobOut,
    dependencies=[Depends(documented_write_key)],
    openapi_extra=_UPLOAD_BODY,
    responses={
        400: {
            "model": ErrorOut,
            "description": "malformed multipart body (e.g. too many fields or files)",
        },
        401: {"model": ErrorOut, "description": "missing or wrong API key"},
        403: {"model": ErrorOut, "description": "writes are disabled (no key configured)"},
        413: {"model": ErrorOut, "description": "upload larger than TCMKG_MAX_UPLOAD_BYTES"},
        422: {"model": ErrorOut, "description": "no file, or an unknown format"},
        429: {
            "model": ErrorOut,
            "description": "TCMKG_MAX_INGEST_JOBS jobs are queued or running, or too many "
            "wrong API keys from this address recently; retry after the Retry-After header's "
            "seconds",
        },
        503: {
            "model": ErrorOut,
            "description": "too many API key checks waiting (see Retry-After), or the upload "
            "cannot be stored",
        },
    },
)
async def ingest_upload(request: Request, ctx: Context) -> JSONResponse:
    """Upload literature to ingest; the work runs as a job (poll ``GET /jobs/{id}``).

    The key is checked before the body is read, so a client without it cannot make the
    server take in an upload; so is the job queue, so that a full queue (429, with
    Retry-After) costs the server no upload stored on disk.
    """
    await authorize_write(request, ctx)
    try:
        slot = ctx.jobs.reserve()
    except JobQueueFullError as err:
        raise HTTPException(
            status_code=429, detail=str(err), headers={"Retry-After": str(err.retry_after)}
        ) from err
    try:
        try:
            form = await request.form(max_files=1, max_fields=8)
        except (MultiPartException, ValueError) as err:
            raise HTTPException(status_code=422, detail=f"malformed form: {err}") from err
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(status_code=422, detail="the form needs a 'file' part (the upload)")
        # An empty format is refused like any other unknown one, as the schema's enum says.
        fmt = form.get("format", "auto")
        allowed_formats = format_names()
        if not isinstance(fmt, str) or fmt not in allowed_formats:
            allowed = ", ".join(allowed_formats)
            raise HTTPException(status_code=422, detail=f"format must be one of {allowed}")
        shown = PurePosixPath((upload.filename or "upload").replace("\\", "/")).name[:200]
        folder, stored = await run_in_threadpool(_store_upload, upload)
        job = ctx.jobs.submit(
            "ingest",
            lambda progress: _run_ingest(ctx, folder, stored, shown, fmt, progress),
            slot,
        )
    except BaseException:
        slot.release()  # no job came of it (a job releases its own place when it ends)
        raise
    return JSONResponse(job.model_dump(), status_code=202, headers={"Location": f"/jobs/{job.id}"})


@router.get(
    "/jobs/{job_id}",
    operation_id="get_job",
    response_model=JobOut,
    responses={404: {"model": ErrorOut}},
)
def get_job(ctx: Context, job_id: str) -> JobOut:
    """A background job's state, progress, summary and problems."""
    job = ctx.jobs.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id!r} (unknown or expired)")
    return job
