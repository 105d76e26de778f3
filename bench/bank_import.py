"""Import a generated bank with pictures in one all-or-nothing step and report time and peak memory (a script
that prints, not a test; no timing is asserted anywhere).

    PYTHONPATH=. .venv/bin/python -m bench.bank_import [--questions 20000] [--images 2000] [--db sqlite|URL]
                                                       [--path cli|job]

The bank: true/false, single and multiple choice questions in the shipped proportions and case questions (1 %),
``--images`` distinct PNG pictures (about 120×90, a few KB each) on stems and options. It is written as one YAML
file and a media folder in a temporary directory, then imported through the real path (``import_bank_file``:
schema and rule checks, each picture judged by content and stored once by sha256, questions and versions written
in batches, one commit). Reported: wall time per stage, peak resident memory of the process (``ru_maxrss``) and
the Python heap peak of the import alone (``tracemalloc``, with ``--trace``; it slows the import down), then the
pool index build and a draw on the imported bank.

``--path job`` measures what a browser upload costs instead: the file and the pictures are zipped, the upload is
stored as a job (``jobs.create_job``, what the upload request does), and a real worker process
(``python -m exam_platform.workers --once``, what the app starts) imports it while this script polls the job
row as the progress page does. Reported: the worker's wall time and its peak resident memory (``RUSAGE_CHILDREN``),
and the phases seen.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml
from PIL import Image


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def picture(i: int) -> bytes:
    rng = random.Random(i)
    img = Image.new("RGB", (120, 90), (255, 255, 255))
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    x0, y0 = rng.randrange(60), rng.randrange(45)
    for x in range(x0, x0 + 50):
        for y in range(y0, y0 + 40):
            img.putpixel((x, y), colour)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def generate(directory: Path, questions: int, images: int, code: str) -> Path:
    media = directory / "media"
    (media / "gen").mkdir(parents=True)
    for i in range(images):
        (media / "gen" / f"p{i:05d}.png").write_bytes(picture(i))
    items = []
    rng = random.Random(15)
    pictured = {q: n for n, q in enumerate(sorted(rng.sample(range(questions), min(images, questions))))}
    for i in range(questions):
        kind = i % 100
        key = f"G-{i:06d}"
        stem = f"第 {i} 题：生成题库中的题干，编号 {key}，用于测量导入的时间和内存。"
        base = {"key": key, "topic": f"知识点{i % 40}", "difficulty": 1 + i % 5,
                "basis": [{"document": "《安全生产法》", "article": f"第{1 + i % 100}条", "edition": "2021"}]}
        if kind == 99:
            q = base | {"type": "case", "case": "案例：" + stem,
                        "parts": [{"type": "single", "stem": "小题一", "options": ["甲", "乙", "丙", "丁"],
                                   "answer": "B", "points": 4},
                                  {"type": "true_false", "stem": "小题二", "answer": True, "points": 2}]}
        elif kind < 45:
            q = base | {"type": "true_false", "stem": stem, "answer": i % 2 == 0}
        elif kind < 85:
            q = base | {"type": "single", "stem": stem, "options": [f"选项{k}-{i}" for k in "甲乙丙丁"],
                        "answer": "ABCD"[i % 4]}
        else:
            q = base | {"type": "multiple", "stem": stem, "options": [f"选项{k}-{i}" for k in "甲乙丙丁"],
                        "answer": ["A", "C"]}
        if i in pictured and kind != 99:
            q["image"] = {"file": f"gen/p{pictured[i]:05d}.png", "alt": f"生成图片 {i}"}
        q["explanation"] = "解析。"
        items.append(q)
    path = directory / f"{code}.yaml"
    with path.open("w", encoding="utf-8") as fh:
        yaml.safe_dump({"bank": code, "category": "T-1.2", "purpose": "exam", "title": "生成的大题库",
                        "questions": items}, fh, allow_unicode=True, sort_keys=False, width=1000)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--images", type=int, default=2_000)
    parser.add_argument("--db", default="sqlite", help="sqlite (a temporary file) or a database URL")
    parser.add_argument("--trace", action="store_true", help="also measure the Python heap peak (slower)")
    parser.add_argument("--path", choices=["cli", "job"], default="cli",
                        help="cli: import_bank_file in this process; job: a stored upload run by a worker process")
    args = parser.parse_args()
    if args.path == "job":
        return job_path(args)

    from exam_platform import create_app
    from exam_platform.banks import importer, pool
    from exam_platform.banks.commands import terminal_progress
    from exam_platform.catalog.service import load_catalog
    from exam_platform.config import MB, UploadLimits
    from exam_platform.db import get_session, make_engine
    from exam_platform.migrate import upgrade
    from exam_platform.paths import ROOT

    work = Path(tempfile.mkdtemp(prefix="bank_import_"))
    url = f"sqlite:///{work / 'bench.sqlite3'}" if args.db == "sqlite" else args.db
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()

    t0 = time.perf_counter()
    path = generate(work, args.questions, args.images, "GEN-exam")
    t_gen = time.perf_counter() - t0
    size = path.stat().st_size
    print(f"generated {args.questions:,} questions, {args.images:,} pictures: {size / MB:.1f} MB YAML "
          f"in {t_gen:.1f} s", file=sys.stderr)

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                      "UPLOAD_LIMITS": UploadLimits(bank_file_bytes=size + MB)})
    with app.app_context(), app.test_request_context("/"):
        from exam_platform import clock

        session = get_session()
        load_catalog(session, now=clock.now())
        session.commit()
        rss_before = rss_mb()
        if args.trace:
            tracemalloc.start()
        t0 = time.perf_counter()
        summary = importer.import_bank_file(session, actor=None, path=path, now=clock.now(),
                                            media_dir=work / "media", progress=terminal_progress)
        t_import = time.perf_counter() - t0
        t0 = time.perf_counter()
        session.commit()
        t_commit = time.perf_counter() - t0
        heap = tracemalloc.get_traced_memory()[1] / MB if args.trace else None
        if args.trace:
            tracemalloc.stop()
        rss_peak = rss_mb()
        from exam_platform.banks.models import Bank

        bank = session.query(Bank).filter_by(code="GEN-exam").one()
        t0 = time.perf_counter()
        index = pool.build_index(session, bank.id)
        t_index = time.perf_counter() - t0
        from exam_platform.banks.paper import Spec, draw

        spec = Spec.from_blueprint([{"type": "true_false", "count": 60, "points": 1},
                                    {"type": "single", "count": 30, "points": 1},
                                    {"type": "multiple", "count": 5, "points": 2}])
        t0 = time.perf_counter()
        for seed in range(100):
            draw(spec, index, random.Random(seed))
        t_draw = (time.perf_counter() - t0) / 100
        # The workbench at that size against a shipped bank in the same database: its first page, a search, a
        # page deep in the list (keyset), as banks/views run them (banks/search.py).
        shipped = ROOT / "question_banks" / "banks" / "T-2.1-exam.yaml"
        importer.import_bank_file(session, actor=None, path=shipped, now=clock.now(),
                                  media_dir=ROOT / "question_banks" / "media")
        session.commit()
        small = session.query(Bank).filter_by(code="T-2.1-exam").one()
        workbench = {name: workbench_ms(session, b.id) for name, b in (("generated", bank), ("shipped", small))}

    print(summary.line())
    print(f"questions            {args.questions:>10,}")
    print(f"pictures             {args.images:>10,}")
    print(f"bank file            {size / MB:>10.1f} MB")
    print(f"import (check+write) {t_import:>10.1f} s")
    print(f"commit               {t_commit:>10.2f} s")
    print(f"peak RSS             {rss_peak:>10.0f} MB (before the import: {rss_before:.0f} MB)")
    if heap is not None:
        print(f"Python heap peak     {heap:>10.0f} MB (import only, tracemalloc)")
    print(f"pool index build     {t_index * 1000:>10.0f} ms ({len(index):,} questions)")
    print(f"one draw (95 items)  {t_draw * 1000:>10.2f} ms")
    for what in ("first page", "search", "deep page"):
        print(f"workbench {what:<10} {workbench['generated'][what]:>10.1f} ms "
              f"(T-2.1-exam, {workbench['shipped']['count']} questions: {workbench['shipped'][what]:.1f} ms)")


def workbench_ms(session, bank_id: int, repeat: int = 20) -> dict:
    """Median milliseconds of the workbench's queries on one bank: the first page of active questions, a search
    over stems, and the page after a cursor in the middle of the list."""
    from statistics import median

    from exam_platform.banks import search

    def timed(fn) -> float:
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t0) * 1000)
        return median(runs)

    everything = search.filtered([bank_id], search.QuestionFilter())
    first = search.page(session, everything)
    middle = list(session.execute(everything.order_by(None).limit(1).offset(max(0, first.total // 2))))
    cursor = search._cursor(middle[0][0]) if middle else None
    return {
        "count": first.total,
        "first page": timed(lambda: search.page(session, everything)),
        "search": timed(lambda: search.page(session, search.filtered([bank_id], search.QuestionFilter(q="安全")))),
        "deep page": timed(lambda: search.page(session, everything, after=cursor)),
    }


def job_path(args) -> None:
    import os
    import subprocess
    import zipfile

    from sqlalchemy import select

    from exam_platform import clock, create_app
    from exam_platform.accounts.models import User
    from exam_platform.banks import jobs
    from exam_platform.banks.models import Bank, BankImportJob
    from exam_platform.catalog.models import Category
    from exam_platform.catalog.service import load_catalog
    from exam_platform.config import MB, UploadLimits
    from exam_platform.db import get_session, make_engine
    from exam_platform.migrate import upgrade

    work = Path(tempfile.mkdtemp(prefix="bank_import_job_"))
    url = f"sqlite:///{work / 'bench.sqlite3'}" if args.db == "sqlite" else args.db
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    path = generate(work, args.questions, args.images, "GEN-exam")
    archive = work / "upload.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, path.name)
        for picture_path in sorted((work / "media").rglob("*.png")):
            z.write(picture_path, str(picture_path.relative_to(work / "media")))
    data = archive.read_bytes()
    print(f"generated {args.questions:,} questions, {args.images:,} pictures: YAML {path.stat().st_size / MB:.1f} MB, "
          f"zip {len(data) / MB:.1f} MB", file=sys.stderr)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context(), app.test_request_context("/"):
        session = get_session()
        now = clock.now()
        load_catalog(session, now=now)
        user = User(username="bench-author", real_name="基准作者", id_type="passport", id_number="BENCH0001",
                    password_hash="-", created_at=now)
        category = session.scalar(select(Category).where(Category.code == "T-1.2"))
        bank = Bank(code="GEN-exam", category_id=category.id, purpose="exam", title="生成的大题库", revision=1,
                    created_at=now, updated_at=now)
        session.add_all([user, bank])
        session.flush()
        t0 = time.perf_counter()
        job = jobs.create_job(session, user=user, bank=bank, data=data, filename="upload.zip",
                              limits=UploadLimits(), now=now)
        session.commit()
        t_store = time.perf_counter() - t0
        job_id = job.id
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench")
        t0 = time.perf_counter()
        worker = subprocess.Popen([sys.executable, "-m", "exam_platform.workers", "--once"], env=env)
        seen = []
        from exam_platform.db import write_intent

        write_intent.set(False)  # polling reads, as the progress page's GET does (SQLite: no write lock)
        while worker.poll() is None:
            time.sleep(1)
            row = session.get(BankImportJob, job_id)
            session.refresh(row)
            progress = jobs.progress_of(row)
            session.rollback()  # end the read at once
            line = f"{progress['phase']:<9} {progress['percent']:>3}%"
            if not seen or seen[-1] != line:
                seen.append(line)
                print(f"  [{time.perf_counter() - t0:6.1f} s] {line}  validated {progress['rows_validated']:,} "
                      f"pictures {progress['pictures_done']:,} written {progress['rows_written']:,}", file=sys.stderr)
        t_worker = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        session.rollback()
        row = session.get(BankImportJob, job_id)
        session.refresh(row)
        print(f"job state            {row.state:>10} {row.summary or row.error or row.problems[:3]}")
        print(f"questions            {args.questions:>10,}")
        print(f"pictures             {args.images:>10,}")
        print(f"upload (zip)         {len(data) / MB:>10.1f} MB")
        print(f"store the upload     {t_store:>10.2f} s (the request)")
        print(f"worker process       {t_worker:>10.1f} s (start, claim, check, pictures, write, commit)")
        print(f"worker peak RSS      {peak:>10.0f} MB")
        print(f"progress updates seen by polling: {len(seen)}")


if __name__ == "__main__":
    main()
