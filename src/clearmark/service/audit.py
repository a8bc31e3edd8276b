"""Batch audits: Verify over a folder or a list of files, in a process pool or on Ray Data, resumable.

Each finished file is appended to ``OUTDIR/audit.jsonl`` at once, so a run killed halfway resumes
where it stopped; ``audit.csv`` and the HTML summary ``audit.html`` are rewritten from the whole
JSONL at the end, sorted by path, so an interrupted-and-resumed run gives the same summary as an
uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from clearmark.core.enums import Outcome
from clearmark.core.errors import ClearMarkError
from clearmark.media.source import Source
from clearmark.service.files import write_atomically
from clearmark.service.pipelines import PipelineConfig, VerifyJob, verify_content
from clearmark.service.pipelines.workers import detectors_for

JSONL, CSV, HTML = "audit.jsonl", "audit.csv", "audit.html"
# At most this many files in flight per worker: keeps memory flat on archives of millions.
_IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True)
class AuditRow:
    """One file's Verify result, flattened for JSONL, CSV and the summary."""

    path: str
    size_bytes: int = 0
    sha256: str = ""
    mime_type: str = ""
    format: str = ""
    producer: str = ""
    label_value: str = ""
    category: str = ""
    compliant: bool | None = None  # None when the file could not be verified
    outcomes: dict[str, str] = field(default_factory=dict)  # requirement id -> Outcome name
    findings: tuple[str, ...] = ()
    error: str = ""

    def to_json(self) -> str:
        """One JSONL line (no newline)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> AuditRow:
        """Parse one JSONL line.

        Raises:
            ValueError: not a row this module wrote.
        """
        data = json.loads(line)
        if not isinstance(data, dict) or "path" not in data:
            raise ValueError("not an audit row")
        data["findings"] = tuple(data.get("findings", ()))
        return cls(**data)


def verify_file(path: str, config: PipelineConfig) -> AuditRow:
    """Verify one file with the service's own pipeline; a file that cannot be verified gives a row with ``error``."""
    try:
        # The file is read where it lies (streamed where the format allows), never copied whole first.
        report = verify_content(VerifyJob(request_id="audit", content=Source(path=Path(path))), config)
    except ClearMarkError as error:
        return AuditRow(path, size_bytes=_size(path), error=f"{type(error).__name__}: {error.message}")
    except OSError as error:
        return AuditRow(path, error=f"OSError: {error.strerror or error}")
    inspection = report.inspection
    label = inspection.aigc_label
    return AuditRow(
        path=path,
        size_bytes=inspection.media.size_bytes,
        sha256=inspection.media.sha256,
        mime_type=inspection.media.mime_type,
        format=inspection.media.format,
        producer=label.content_producer if label else "",
        label_value=label.label if label else "",
        category=inspection.category.name,
        compliant=report.compliant,
        outcomes={check.requirement_id: check.outcome.name for check in report.checks},
        findings=tuple(sorted({finding.label for finding in inspection.findings})),
    )


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def collect_inputs(source: Path, *, exclude: Path | None = None) -> list[str]:
    """The files to audit: every regular file under a folder (sorted), or the lines of a list file.

    A list holds one path per line (relative paths are taken from the list's folder); blank lines
    and lines starting with ``#`` are skipped. ``exclude`` (the output folder) is never walked.

    Raises:
        FileNotFoundError: ``source`` does not exist.
    """
    if source.is_dir():
        skip = exclude.resolve() if exclude else None
        found = []
        for root, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(root, d).resolve() != skip))
            found += [str(Path(root, name)) for name in files if not name.startswith(".")]
        return sorted(found)
    if not source.is_file():
        raise FileNotFoundError(f"no such folder or list file: {source}")
    paths = []
    for line in source.read_text(encoding="utf-8").splitlines():
        entry = line.strip()
        if entry and not entry.startswith("#"):
            path = Path(entry)
            paths.append(str(path if path.is_absolute() else source.parent / path))
    return paths


def load_rows(jsonl: Path) -> dict[str, AuditRow]:
    """Rows already written, by path; a torn last line (the run was killed mid-write) is dropped."""
    rows: dict[str, AuditRow] = {}
    if not jsonl.exists():
        return rows
    raw = jsonl.read_bytes()
    good_end = 0
    for line in raw.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            row = AuditRow.from_json(line.decode("utf-8"))
        except (ValueError, TypeError, UnicodeDecodeError):
            break
        rows[row.path] = row
        good_end += len(line)
    if good_end != len(raw):
        with jsonl.open("r+b") as handle:
            handle.truncate(good_end)
    return rows


# A runner yields one row per pending path, in any order: the local pool here, Ray Data in audit_ray.
Runner = Callable[[list[str], PipelineConfig, int], Iterator[AuditRow]]


def _warm(config: PipelineConfig) -> None:
    """Build the detectors once per worker process, before the first file."""
    detectors_for(config.detectors)


def run_in_process_pool(paths: list[str], config: PipelineConfig, workers: int) -> Iterator[AuditRow]:
    """Verify in a local process pool (``workers`` 0: in this process)."""
    if workers <= 0:
        for path in paths:
            yield verify_file(path, config)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm, initargs=(config,)) as pool:
        queue = iter(paths)
        running: set[Future[AuditRow]] = set()

        def top_up() -> None:
            for path in queue:
                running.add(pool.submit(verify_file, path, config))
                if len(running) >= workers * _IN_FLIGHT_PER_WORKER:
                    return

        top_up()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                running.discard(future)
                yield future.result()
            top_up()


@dataclass(frozen=True)
class Rate:
    """How many of ``total`` passed."""

    passed: int
    total: int

    @property
    def ratio(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class AuditSummary:
    """Pass rates of a whole audit: overall, per requirement, per producer, per format."""

    files: int
    verified: int
    errors: int
    compliant: Rate
    by_requirement: dict[str, Rate]
    by_producer: dict[str, Rate]
    by_format: dict[str, Rate]

    def as_dict(self) -> dict[str, object]:
        """Plain data (for JSON and comparisons)."""
        return asdict(self)


def summarize(rows: Iterable[AuditRow]) -> AuditSummary:
    """Count passes per requirement (of those that applied), and compliance per producer and format."""
    ordered = sorted(rows, key=lambda row: row.path)
    verified = [row for row in ordered if row.compliant is not None]
    requirement: dict[str, list[int]] = {}
    for row in verified:
        for requirement_id, outcome in row.outcomes.items():
            if outcome in (Outcome.PASS.name, Outcome.FAIL.name):
                counts = requirement.setdefault(requirement_id, [0, 0])
                counts[0] += outcome == Outcome.PASS.name
                counts[1] += 1

    def compliance_by(key: Callable[[AuditRow], str]) -> dict[str, Rate]:
        groups: dict[str, list[int]] = {}
        for row in verified:
            counts = groups.setdefault(key(row), [0, 0])
            counts[0] += bool(row.compliant)
            counts[1] += 1
        return {name: Rate(*counts) for name, counts in sorted(groups.items())}

    return AuditSummary(
        files=len(ordered),
        verified=len(verified),
        errors=len(ordered) - len(verified),
        compliant=Rate(sum(bool(row.compliant) for row in verified), len(verified)),
        by_requirement={name: Rate(*counts) for name, counts in sorted(requirement.items())},
        by_producer=compliance_by(lambda row: row.producer),
        by_format=compliance_by(lambda row: row.format),
    )


CSV_COLUMNS = (
    "path", "size_bytes", "sha256", "mime_type", "format", "producer", "label_value", "category", "compliant",
    "failed", "findings", "error",
)  # fmt: skip


def write_csv(rows: list[AuditRow], path: Path) -> None:
    """One line per file: facts, the requirements that failed, the findings, the error."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        failed = sorted(r for r, outcome in row.outcomes.items() if outcome == Outcome.FAIL.name)
        compliant = "" if row.compliant is None else str(row.compliant).lower()
        writer.writerow(
            (row.path, row.size_bytes, row.sha256, row.mime_type, row.format, row.producer, row.label_value,
             row.category, compliant, " ".join(failed), " ".join(row.findings), row.error)
        )  # fmt: skip
    write_atomically(path, buffer.getvalue().encode("utf-8"))


@dataclass(frozen=True)
class AuditOutcome:
    """What one ``run_audit`` call did: the summary of every input, and how many it verified itself."""

    summary: AuditSummary
    verified_now: int
    resumed: int


def run_audit(
    inputs: list[str],
    outdir: Path,
    config: PipelineConfig,
    *,
    workers: int = 1,
    runner: Runner = run_in_process_pool,
    progress: Callable[[int, int], Callable[[], None]] | None = None,
    render_html: Callable[[AuditSummary, list[AuditRow]], str] | None = None,
) -> AuditOutcome:
    """Verify every input not already in ``outdir/audit.jsonl``, then rewrite the CSV and HTML.

    Args:
        inputs: the file paths (``collect_inputs``).
        outdir: created if missing; an existing ``audit.jsonl`` there is resumed.
        config: the Verify configuration (the service's, from ``audit_config``).
        workers: processes of the local pool (0: in this process).
        runner: the local process pool, or ``audit_ray.ray_runner(address)`` for Ray Data.
        progress: called with (done, total) before work starts; returns a per-file advance callback.
        render_html: the HTML summary writer (``reports.audit_page``); None skips the page.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    jsonl = outdir / JSONL
    done = load_rows(jsonl)
    wanted = set(inputs)
    pending = [path for path in dict.fromkeys(inputs) if path not in done]
    resumed = len(wanted) - len(pending)
    advance = progress(resumed, len(wanted)) if progress else (lambda: None)
    verified_now = 0
    with jsonl.open("a", encoding="utf-8") as out:
        for row in runner(pending, config, workers):
            out.write(row.to_json() + "\n")
            out.flush()
            verified_now += 1
            advance()
    rows = sorted((row for path, row in load_rows(jsonl).items() if path in wanted), key=lambda row: row.path)
    summary = summarize(rows)
    write_csv(rows, outdir / CSV)
    if render_html is not None:
        write_atomically(outdir / HTML, render_html(summary, rows).encode("utf-8"))
    return AuditOutcome(summary, verified_now, resumed)


def audit_config(config: PipelineConfig) -> PipelineConfig:
    """The Verify configuration for audits: the service's, never signing anything."""
    return replace(config, c2pa_signing=None)
