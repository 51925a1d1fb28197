#!/usr/bin/env python3
"""The measurements behind CEL017's scope (rules/CEL017.md, "Not covered, and why"): blocking in
the handlers that do NOT run on the worker's MainProcess event loop.

    target/runtime-venv/bin/python tests/runtime/cel017_scope.py            # Celery 5.7 (run.py's venv)
    /tmp/celery553/bin/python tests/runtime/cel017_scope.py                 # another Celery

(a) postrun: a task with `time_limit=3` returns at once, and a `task_postrun` receiver sleeps 5 s
    (prefork, -c 1, Redis result backend). Measured: the client's `get()` (state, seconds), the
    worker's "Hard time limit" line and the child's SIGKILL, whether the receiver ever finished,
    how many times `task_failure` was sent and from which process, with which `sender.request.id`,
    and the backend's state afterwards.
(b) shutdown: a `worker_process_shutdown` receiver sleeping SLEEP s (prefork, -c 2): seconds from
    SIGTERM (warm shutdown) and from SIGQUIT (cold) to the worker's exit, with and without it.

It starts its own redis-server on a free port (nothing shared with run.py's databases) and needs
celery and redis in the python that runs it. Each measurement is repeated RUNS times.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 2
SLEEP = 10  # the worker_process_shutdown receiver's sleep, seconds

POSTRUN_APP = '''
import os
import time

from celery import Celery
from celery.signals import task_failure, task_postrun

app = Celery("scope", broker=os.environ["SCOPE_REDIS"], backend=os.environ["SCOPE_REDIS"])


@app.task(time_limit=3)
def quick():
    return "ok"


@task_postrun.connect
def slow_cleanup(**kwargs):
    print("scope: postrun start", flush=True)
    time.sleep(5)
    print("scope: postrun end", flush=True)


@task_failure.connect
def failed(sender=None, task_id=None, exception=None, **kwargs):
    print(f"scope: task_failure pid={os.getpid()} task_id={task_id} "
          f"sender.request.id={sender.request.id} exception={exception!r}", flush=True)
'''

SHUTDOWN_APP = '''
import os
import time

from celery import Celery
from celery.signals import worker_process_shutdown

app = Celery("scope", broker=os.environ["SCOPE_REDIS"])

if os.environ.get("SCOPE_HANDLER") == "1":
    @worker_process_shutdown.connect
    def flush_metrics(**kwargs):
        time.sleep(int(os.environ["SCOPE_SLEEP"]))
        print(f"scope: shutdown handler done in {os.getpid()}", flush=True)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: Path, pattern: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, path.read_text(errors="replace")):
            return True
        time.sleep(0.05)
    return False


def start_worker(workdir: Path, module: str, env: dict, args: list, log: Path) -> subprocess.Popen:
    celery = str(Path(sys.executable).parent / "celery")
    with open(log, "wb") as out:
        return subprocess.Popen([celery, "-A", module, "worker", "-P", "prefork", *args, "-l", "info"],
                                cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def postrun(workdir: Path, env: dict, run: int) -> str:
    (workdir / "scope_postrun.py").write_text(POSTRUN_APP)
    log = workdir / f"postrun-{run}.log"
    w = start_worker(workdir, "scope_postrun", env, ["-c", "1"], log)
    try:
        if not wait_for(log, r"\] \S+@\S+ ready\.", 60):
            return f"worker not ready: {log.read_text()[-500:]}"
        sys.path.insert(0, str(workdir))
        os.environ["SCOPE_REDIS"] = env["SCOPE_REDIS"]
        import scope_postrun

        t0 = time.monotonic()
        r = scope_postrun.quick.delay()
        value = r.get(timeout=30)
        got = time.monotonic() - t0
        state = r.state
        time.sleep(8)  # the kill comes 3 s after the start, task_failure after it (twice on 5.7)
        text = log.read_text(errors="replace")
        after = scope_postrun.app.AsyncResult(r.id).state
        failures = re.findall(r"scope: task_failure (.*)", text)
        return (f"get() -> {value!r} {state} after {got:.2f} s; "
                f"'Hard time limit' {'logged' if 'Hard time limit' in text else 'not logged'}; "
                f"child SIGKILLed: {'signal 9 (SIGKILL)' in text}; postrun start: {'postrun start' in text}, "
                f"postrun end: {'postrun end' in text}; task_failure sent {len(failures)}x"
                + "".join(f"\n      {f}" for f in failures)
                + f"\n      backend state afterwards: {after}; worker MainProcess pid {w.pid}")
    finally:
        stop(w)


def shutdown(workdir: Path, env: dict, handler: bool, sig: int, run: int) -> str:
    (workdir / "scope_shutdown.py").write_text(SHUTDOWN_APP)
    log = workdir / f"shutdown-{int(handler)}-{sig}-{run}.log"
    env = dict(env, SCOPE_HANDLER="1" if handler else "0", SCOPE_SLEEP=str(SLEEP))
    w = start_worker(workdir, "scope_shutdown", env, ["-c", "2"], log)
    try:
        if not wait_for(log, r"\] \S+@\S+ ready\.", 60):
            return f"worker not ready: {log.read_text()[-500:]}"
        time.sleep(1)
        t0 = time.monotonic()
        os.kill(w.pid, sig)
        try:
            w.wait(timeout=120)
        except subprocess.TimeoutExpired:
            return "worker still running 120 s after the signal"
        took = time.monotonic() - t0
        done = log.read_text(errors="replace").count("shutdown handler done")
        return f"exit {w.returncode} after {took:.1f} s; handler finished in {done} children"
    finally:
        stop(w)


def main() -> int:
    import celery

    redis_server = shutil.which("redis-server")
    if not redis_server:
        sys.exit("cel017_scope: needs redis-server on PATH")
    port = free_port()
    redis = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.5)
        workdir = Path(tempfile.mkdtemp(prefix="cel017-scope-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "PYTHON"))}
        env.update(SCOPE_REDIS=f"redis://127.0.0.1:{port}/0", PYTHONPATH=str(workdir), PYTHONUNBUFFERED="1")
        print(f"Celery {celery.__version__}, Python {sys.version.split()[0]}, logs in {workdir}", flush=True)
        for run in range(1, RUNS + 1):
            print(f"(a) postrun sleeping 5 s, time_limit=3, run {run}: {postrun(workdir, env, run)}", flush=True)
        for name, sig in (("SIGTERM (warm)", signal.SIGTERM), ("SIGQUIT (cold)", signal.SIGQUIT)):
            for handler in (False, True):
                what = f"worker_process_shutdown sleeping {SLEEP} s" if handler else "no handler"
                for run in range(1, RUNS + 1):
                    print(f"(b) {name}, -c 2, {what}, run {run}: {shutdown(workdir, env, handler, sig, run)}",
                          flush=True)
    finally:
        sys.stdout.flush()
        redis.terminate()
        redis.wait()
    # Without its Redis, the results the client still holds would complain as they are collected.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
