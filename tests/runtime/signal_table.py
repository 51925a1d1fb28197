#!/usr/bin/env python3
"""Holds celint's signal table (crates/celint_catalog/src/signals.toml) against real Celery workers.

For Celery 5.5 and 5.7, each in its own pinned venv (target/signal-table-5.5 from
tests/runtime/signal-table-5.5.txt, target/signal-table-5.7 from signal-table-5.7.txt; rebuilt
only when the pin file or the Python version changes), it runs a real prefork worker on Redis
(127.0.0.1:6379, or a redis-server it starts on a free port when none listens there; database 13
for 5.5 and 14 for 5.7, flushed first; never 0) with an app (tests/runtime/celint_st_app.py) that
connects a plain `def receiver(sender=None, **kwargs)` to every Signal in celery.signals and to
the app's on_* signals, and records every call: the signal, what the sender is, the sorted
keywords, the process. It drives the worker so that as many signals as practical fire:

- a standalone `celery beat` (with the setup_logging receiver: beat_init, setup_logging), while
- the worker runs with -E (events, so the heart beats) and -B (embedded beat: beat_embedded_init),
  without a setup_logging receiver (any receiver turns Celery's logging set-up off, and with it
  after_setup_logger and after_setup_task_logger), using the app's connection pool at import (what
  registers app.on_after_fork, as a handler that publishes before the fork would);
- this process publishes (before/after_task_publish, task_sent): a task that succeeds, one that
  fails, one that retries once, one whose on_failure raises (task_internal_error), one that has
  expired (task_revoked), one the worker does not know (task_unknown), a message of no known
  protocol (task_rejected), one stopped by its hard time limit (task_failure from the main
  process, then a replacement child);
- then a warm shutdown (SIGTERM to the main process: worker_shutting_down, worker_shutdown,
  worker_process_shutdown);
- beside them, a worker with the eventlet pool on a queue of its own runs one task (the
  eventlet_pool_* signals; only those are read from its records).

Then it compares what was recorded with the table, for that version: each signal that fired must
have the table's sender kind, run in the table's process (or one of its `also-in`), and pass
exactly the table's keywords (a subset leaving out only `kwargs-sometimes-missing`); the start-up
signals must fire in the table's `order`; the table must list every Signal the installed
celery.signals defines. One line per signal: `ok`, `MISMATCH` or `not fired` (NOT_FIRED says why
for those the check cannot make fire; any other signal that does not fire is a mismatch).

Usage: python3 tests/runtime/signal_table.py [--version 5.5|5.7]... [--build-only]
Exit status: 0 all held; 1 a mismatch; 2 set-up error (no Redis, pip failed, worker did not start).
The workers' logs and the recorded calls are in target/signal-table-run-<version>/.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TABLE = ROOT / "crates" / "celint_catalog" / "src" / "signals.toml"
REDIS_ADDR = ("127.0.0.1", 6379)
VERSIONS = {
    "5.5": {"pins": HERE / "signal-table-5.5.txt", "db": 13},
    "5.7": {"pins": HERE / "signal-table-5.7.txt", "db": 14},
}
INNER_FLAG = "--inner"
STARTUP_TIMEOUT = 60.0  # the worker's "ready", on a loaded 2-core machine
TASK_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 30.0

# Signals this check cannot make fire, and why.
NOT_FIRED = {}
# The eventlet pool's signals are taken from a second worker (-P eventlet, its own queue and
# record file), started beside the prefork one; only these signals are read from its records
# (its task signals run in its main process, which is the eventlet pool's business, not the table's).
EVENTLET_QUEUE = "celint_st_eventlet"
# What the run does not show of signals that do fire: task_retry's main-process sends (the cancel
# path, worker/request.py `_announce_cancelled`, needs the broker connection lost under
# worker_cancel_long_running_tasks_on_connection_loss; 5.7's retry after a lost worker,
# request.py `_retry_worker_lost`), so its `kwargs-sometimes-missing` is read from the source.


def venv_dir(version: str) -> Path:
    return ROOT / "target" / f"signal-table-{version}"


# ------------------------------------------------------------------------------------------------
# Outside the venvs (system python3, standard library only): build them, run one check per version.
# ------------------------------------------------------------------------------------------------


def ensure_venv(version: str) -> tuple:
    """Builds target/signal-table-<version> from its pin file unless its stamp is current."""
    pins = VERSIONS[version]["pins"]
    venv = venv_dir(version)
    python = venv / "bin" / "python"
    stamp = venv / ".celint-signal-table-stamp"
    want = hashlib.sha256(pins.read_bytes() + sys.version.encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return python, ""
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-input", "-r", str(pins)],
    ]
    for argv in steps:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            return None, f"{' '.join(argv[:4])} failed:\n{r.stdout}{r.stderr}"
    stamp.write_text(want + "\n")
    return python, f"built {venv.relative_to(ROOT)} from {pins.relative_to(ROOT)}"


def outer(args) -> int:
    versions = args.version or list(VERSIONS)
    with concurrent.futures.ThreadPoolExecutor(len(versions)) as ex:
        built = dict(zip(versions, ex.map(ensure_venv, versions)))
    for v, (python, msg) in built.items():
        if msg:
            print(f"signal-table {v}: {msg}", flush=True)
        if python is None:
            return 2
    if args.build_only:
        return 0
    port, server = redis_port()
    if port is None:
        print(f"signal-table: no Redis on {REDIS_ADDR[0]}:{REDIS_ADDR[1]} and no redis-server to start")
        return 2
    try:
        # The versions run side by side (their own Redis databases and run directories).
        procs = {
            v: subprocess.Popen([str(built[v][0]), str(Path(__file__).resolve()), INNER_FLAG, v,
                                 str(port)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
            for v in versions
        }
        status = 0
        for v, p in procs.items():
            out, _ = p.communicate()
            print(out, end="", flush=True)
            status = max(status, p.returncode)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    return status


def listening(port: int) -> bool:
    try:
        socket.create_connection((REDIS_ADDR[0], port), timeout=2).close()
        return True
    except OSError:
        return False


def redis_port() -> tuple:
    """The Redis on 127.0.0.1:6379, or one started here on a free port (as run.py does)."""
    if listening(REDIS_ADDR[1]):
        return REDIS_ADDR[1], None
    if not shutil.which("redis-server"):
        return None, None
    with socket.socket() as s:
        s.bind((REDIS_ADDR[0], 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", REDIS_ADDR[0],
                               "--save", "", "--appendonly", "no"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    for _ in range(50):
        if listening(port):
            print(f"signal-table: started redis-server on {REDIS_ADDR[0]}:{port}")
            return port, server
        time.sleep(0.1)
    server.terminate()
    return None, None


# ------------------------------------------------------------------------------------------------
# Inside a venv: one version's run.
# ------------------------------------------------------------------------------------------------


def read_records(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(path: Path, predicate, timeout: float, procs=()) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(read_records(path)):
            return True
        if any(p.poll() is not None for p in procs):
            return predicate(read_records(path))
        time.sleep(0.1)
    return False


def fired(name):
    return lambda records: any(r["signal"] == name for r in records)


def stop(procs: dict, timeout: float) -> list:
    """SIGTERM to each main process only (a warm shutdown), all at once; then SIGKILL to the
    process group of any still running after `timeout`. Returns the names of those."""
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    late = []
    for name, p in procs.items():
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            late.append(name)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.wait()
    return late


def drive(app_mod, record: Path) -> list:
    """Publishes what makes the task signals fire; returns what did not go as planned."""
    from datetime import datetime, timedelta, timezone

    from kombu import Queue

    problems = []
    app = app_mod.app
    results = {
        "ok": app_mod.ok.delay(),
        "fail": app_mod.fail.delay(),
        "retry": app_mod.retry.delay(),
        "internal": app_mod.internal.delay(),
        "expired": app_mod.ok.apply_async(
            expires=datetime.now(timezone.utc) - timedelta(seconds=60)),
    }
    app.send_task("celint_st.nope")
    with app.connection_for_write() as conn:
        conn.Producer().publish({"celint_st": "a message of no known protocol"},
                                exchange="", routing_key="celint_st", serializer="json",
                                declare=[Queue("celint_st")])
    results["sleep"] = app_mod.sleep.delay()
    results["eventlet"] = app_mod.ok.apply_async(queue=EVENTLET_QUEUE)
    for name, res in results.items():
        try:
            res.get(timeout=TASK_TIMEOUT, propagate=False)
        except Exception as e:  # noqa: BLE001 - reported, the comparison goes on
            problems.append(f"task {name}: no result in {TASK_TIMEOUT:.0f} s ({e!r})")
    for name in ("task_unknown", "task_rejected", "heartbeat_sent", "beat_embedded_init"):
        if not wait_for(record, fired(name), 10.0):
            problems.append(f"{name} did not fire within 10 s")
    return problems


def inner(version: str, port: int) -> int:
    import redis  # noqa: PLC0415 - the venv's

    db = VERSIONS[version]["db"]
    broker = f"redis://{REDIS_ADDR[0]}:{port}/{db}"
    redis.Redis(host=REDIS_ADDR[0], port=port, db=db).flushdb()
    run = ROOT / "target" / f"signal-table-run-{version}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    record = run / "record.jsonl"
    env = dict(os.environ, CELINT_ST_BROKER=broker, CELINT_ST_RECORD=str(record),
               PYTHONPATH=str(HERE), PYTHONUNBUFFERED="1")
    env.pop("CELINT_ST_SETUP_LOGGING", None)
    celery = str(Path(sys.executable).parent / "celery")
    started = time.monotonic()
    beat = subprocess.Popen(
        [celery, "-A", "celint_st_app", "beat", "-s", str(run / "beat-schedule"),
         "--loglevel=INFO", "--celint-st-flag", "y"],
        env=dict(env, CELINT_ST_SETUP_LOGGING="1"), cwd=run, stdin=subprocess.DEVNULL,
        stdout=open(run / "beat.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen(
        [celery, "-A", "celint_st_app", "worker", "-P", "prefork", "-c", "1", "-E", "-B",
         "-s", str(run / "embedded-beat-schedule"), "-n", f"celint-st-{version}@%h",
         "--without-mingle", "--without-gossip", "--loglevel=INFO", "--celint-st-flag", "y"],
        env=dict(env, CELINT_ST_TOUCH_POOL="1"), cwd=run, stdin=subprocess.DEVNULL,
        stdout=open(run / "worker.log", "wb"),
        stderr=subprocess.STDOUT, start_new_session=True)
    ev_record = run / "record-eventlet.jsonl"
    ev_worker = subprocess.Popen(
        [celery, "-A", "celint_st_app", "worker", "-P", "eventlet", "-c", "2", "-Q", EVENTLET_QUEUE,
         "-n", f"celint-st-eventlet-{version}@%h", "--without-mingle", "--without-gossip",
         "--without-heartbeat", "--loglevel=INFO"],
        env=dict(env, CELINT_ST_RECORD=str(ev_record)), cwd=run, stdin=subprocess.DEVNULL,
        stdout=open(run / "worker-eventlet.log", "wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    problems = []
    try:
        if not wait_for(ev_record, fired("worker_ready"), STARTUP_TIMEOUT, [ev_worker]):
            problems.append("the eventlet worker did not get ready")
        if not wait_for(record, fired("worker_ready"), STARTUP_TIMEOUT, [worker]):
            print(f"signal-table {version}: the worker did not get ready; its log:")
            print((run / "worker.log").read_text()[-4000:])
            return 2
        os.environ.update(CELINT_ST_BROKER=broker, CELINT_ST_RECORD=str(record))
        sys.path.insert(0, str(HERE))
        import celint_st_app  # noqa: PLC0415 - this process is the publishing client

        if not wait_for(record, lambda rs: any(r["signal"] == "beat_init" and r["pid"] == beat.pid
                                               for r in rs), 20.0, [beat]):
            problems.append("the standalone beat did not send beat_init within 20 s")
        problems += drive(celint_st_app, record)
    finally:
        late = stop({"the worker": worker, "beat": beat, "the eventlet worker": ev_worker},
                    SHUTDOWN_TIMEOUT)
    problems += [f"{name} did not stop within {SHUTDOWN_TIMEOUT:.0f} s of SIGTERM" for name in late]
    pids = {"main": worker.pid, "beat": beat.pid, "client": os.getpid(), "eventlet": ev_worker.pid}
    records = [r for r in read_records(record) if not r["signal"].startswith("eventlet_pool_")]
    records += [r for r in read_records(ev_record) if r["signal"].startswith("eventlet_pool_")]
    return compare(version, records, pids, problems, time.monotonic() - started)


# ------------------------------------------------------------------------------------------------
# The comparison.
# ------------------------------------------------------------------------------------------------


def version_holds(spec: str, v: tuple) -> bool:
    ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
           ">": lambda a, b: a > b, "<": lambda a, b: a < b}
    for clause in spec.split(","):
        clause = clause.strip()
        op = next(o for o in (">=", "<=", "==", ">", "<") if clause.startswith(o))
        major, minor = clause[len(op):].strip().split(".")
        if not ops[op](v, (int(major), int(minor))):
            return False
    return True


def at(value, v: tuple, key: str):
    """A table value for version v: plain, or the first {versions, key} range that holds."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return next((r[key] for r in value if version_holds(r["versions"], v)), None)
    return value


def process_of(r: dict, pids: dict) -> str:
    if r["pid"] in (pids["main"], pids["eventlet"]):
        return "main"
    if r["pid"] == pids["beat"] or r["process_name"] == "Beat":
        return "beat"
    if r["pid"] == pids["client"]:
        return "client"
    if r["process_name"].startswith("ForkPoolWorker"):
        return "pool-child"
    return f"unknown ({r['process_name']})"


def check_signal(entry: dict, recs: list, v: tuple, pids: dict) -> list:
    """What the records of one signal contradict in its entry."""
    bad = []
    want_sender = at(entry["sender"], v, "kind")
    want_kwargs = set(at(entry["kwargs"], v, "names") or [])
    missing_ok = set(entry.get("kwargs-sometimes-missing", []))
    accepted = {entry["process"], *entry.get("also-in", [])}
    anywhere = bool(accepted & {"publisher", "any"})
    for r in recs:
        where = process_of(r, pids)
        if r["sender_kind"] != want_sender:
            bad.append(f"sender {r['sender_kind']} ({r['sender_type']}), table: {want_sender}")
        if not anywhere and where not in accepted:
            bad.append(f"sent in {where}, table: {' or '.join(sorted(accepted))}")
        got = set(r["kwargs"])
        if not (got <= want_kwargs and want_kwargs - got <= missing_ok):
            bad.append(f"kwargs {sorted(got)}, table: {sorted(want_kwargs)}"
                       + (f" (may miss {sorted(missing_ok)})" if missing_ok else ""))
    return sorted(set(bad))


def check_order(table: list, records: list, pids: dict) -> list:
    """The start-up signals of the worker (main process and pool children) in the table's order."""
    first = {}
    for r in records:
        if process_of(r, pids) in ("main", "pool-child") and r["signal"] not in first:
            first[r["signal"]] = r["t"]
    steps = sorted((e["order"], first[e["name"]], e["name"]) for e in table
                   if "order" in e and e["name"] in first)
    bad = []
    for i, (order, t, name) in enumerate(steps):
        for later_order, later_t, later in steps[i + 1:]:
            if later_order > order and later_t < t:
                bad.append(f"order: {later} (step {later_order}) fired before {name} (step {order})")
    return bad


def compare(version: str, records: list, pids: dict, problems: list, took: float) -> int:
    import tomllib

    from celery import signals as celery_signals
    from celery.utils.dispatch import Signal

    v = tuple(int(x) for x in version.split("."))
    table = tomllib.loads(TABLE.read_text())["signal"]
    by_name = {e["name"]: e for e in table}
    defined = {n for n, s in vars(celery_signals).items() if isinstance(s, Signal)}
    listed = {e["name"] for e in table if e.get("kind", "celery") == "celery"}
    mismatches = 0
    lines = []
    for name in sorted(defined - listed):
        lines.append(f"MISMATCH  {name}: defined in celery.signals, not in the table")
    for name in sorted(listed - defined):
        lines.append(f"MISMATCH  {name}: in the table, not defined in celery.signals")
    for name in sorted({r["signal"] for r in records} - set(by_name)):
        lines.append(f"MISMATCH  {name}: recorded, not in the table")
    for entry in table:
        name = entry["name"]
        recs = [r for r in records if r["signal"] == name]
        if not recs:
            if name in NOT_FIRED:
                lines.append(f"not fired {name}: {NOT_FIRED[name]}")
            else:
                lines.append(f"MISMATCH  {name}: not fired (and not listed in NOT_FIRED)")
            continue
        where = {}
        for r in recs:
            p = process_of(r, pids)
            where[p] = where.get(p, 0) + 1
        seen = ", ".join(f"{p} x{n}" for p, n in sorted(where.items()))
        bad = check_signal(entry, recs, v, pids)
        if bad:
            lines.append(f"MISMATCH  {name} ({seen}): " + "; ".join(bad))
        else:
            lines.append(f"ok        {name} ({seen})")
    lines += [f"MISMATCH  {b}" for b in check_order(table, records, pids)]
    lines += [f"MISMATCH  run: {p}" for p in problems]
    mismatches = sum(line.startswith("MISMATCH") for line in lines)
    import celery

    print(f"== signal-table: Celery {celery.__version__} (Redis db {VERSIONS[version]['db']}), "
          f"{len(records)} calls recorded, {took:.1f} s")
    for line in lines:
        print(f"  {line}")
    held = sum(line.startswith("ok") for line in lines)
    print(f"signal-table {version}: {held} ok, {mismatches} mismatches, "
          f"{sum(line.startswith('not fired') for line in lines)} not fired")
    return 1 if mismatches else 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == INNER_FLAG:
        return inner(sys.argv[2], int(sys.argv[3]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", action="append", choices=sorted(VERSIONS),
                    help="only this Celery version (repeatable; default: all)")
    ap.add_argument("--build-only", action="store_true", help="build the venvs and stop")
    return outer(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
