"""The bank import worker process: ``python -m exam_platform.workers [--once] [--job ID]``.

A process entry point, so it belongs with the wiring (it builds the app with ``create_app``), not in the banks area.

Started by the app after an upload (embedded default, ``BANK_IMPORT_RUNNER=subprocess``) with ``--once``: it claims
the waiting jobs, imports them and exits. ``flask banks worker`` runs the same loop as a service (production).
"""

from __future__ import annotations

import argparse
import os
import resource


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="exam_platform.workers")
    parser.add_argument("--once", action="store_true", help="run the waiting jobs, then exit")
    parser.add_argument("--job", type=int, default=None, help="only this job")
    args = parser.parse_args(argv)
    # Bounded memory whatever the upload: past this the import fails with MemoryError (recorded on the job, nothing
    # written) instead of pressing on the machine. A bank of 20,000 questions peaks at about 550 MB.
    limit_mb = int(os.environ.get("BANK_JOB_MAX_MEMORY_MB", "3072"))
    if limit_mb > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    from . import create_app
    from .banks.jobs import run_pending

    app = create_app()
    run_pending(app, once=True, job_id=args.job)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
