#!/usr/bin/env python3
"""Live-worker proof of celint's rules (issue 4).

For each rule CEL001..CEL018 this runs the rule document's "Example" and "Use instead" code (taken
from rules/CELnnn.md, so the documents cannot drift from what is tested), plus the extra scenarios
in tests/runtime/scenarios/*.py, under a real `celery worker` (prefork, -c 1,
--max-tasks-per-child=1) on Redis and on RabbitMQ, next to a bystander worker on the same broker,
classifies what the worker did from its log and exit status, and compares that with the
"Expected on a live worker: ..." line written next to each example. For each rule whose Example
gets a fix with edits from celint (asked with --output-format json; celint is built once with
`cargo build --release`), an "autofix" scenario runs the Example as `celint --isolated --fix
--unsafe-fixes --select <rule>` rewrote it (celint must exit 0 or 1, change the file and no longer
report the rule on it) and expects what the document expects of its "Use instead" block.

    python3 tests/runtime/run.py                     # everything, both brokers
    python3 tests/runtime/run.py --only CEL004 --broker redis
    python3 tests/runtime/run.py --only CEL002 --expect-override 'CEL002:fixed:redis=kept running'
    python3 tests/runtime/run.py --no-autofix           # without the autofix scenarios (no cargo build)
    python3 tests/runtime/run.py --only CEL012 --no-autofix --venv /tmp/celery553   # another Celery
    python3 tests/runtime/run.py --only CEL015 --celint target/release/celint      # a celint already built
    python3 tests/runtime/run.py --celery all --jobs 20       # everything on Celery 4.4 and 5.3-5.7
    python3 tests/runtime/run.py --matrix --old-broker redis --old-blocks example --jobs 20   # as CI
    python3 tests/runtime/run.py --celery 5.3,5.4 --examples-only --only CEL016

Celery versions. The rows run on Celery 5.7 by default; `--celery X.Y[,X.Y]` (or `all`: 4.4, 5.3,
5.4, 5.5, 5.6, 5.7) runs them on several, each version's rows side by side with the others' (one
pool of --jobs), each in the pinned venv of its version: target/runtime-venv for 5.7 (from
tests/runtime/requirements.txt), target/runtime-venv-X.Y for the others (from
tests/runtime/pins/celery-X.Y.txt: the minor's newest patch, kombu's newest patch of the same series,
the newest billiard, amqp, vine and redis those allow, frozen). The venvs are built in parallel
before anything runs and rebuilt when their pin file (or interpreter) changes; `--build-only` only
builds them. A pin file's `# Python: 3.8` line names the Python it needs (4.4's), looked for among
pyenv's versions and on PATH; without it that version is not run, and the run says why (it does not
fail for it). The harness itself (its pings, the tasks it sends) always runs in 5.7's venv; each
row's workers and client program run with its version's. `--examples-only` runs the rule documents'
Example and Use instead blocks only (no scenarios, no autofix rows); `--matrix` is what CI runs:
the full set on 5.7 and the documents' blocks on the others, `--old-broker` and `--old-blocks
example` narrowing what the others run. One table per version, a summary line per version with
each broker's count, one exit status for all.

Where a version behaves differently, its expectation is written down with what it does:
`Expected on Celery <versions>: <class>`, where <versions> is a comma-separated list of X.Y,
X.Y-X.Y (both ends included), <X.Y, <=X.Y, >X.Y, >=X.Y; the first line whose versions hold the
row's wins, else `Expected on a live worker`. It is written in a scenario's header (`# Expected on
Celery <5.7: running without logs`), on the lines right after a rule document block's `Expected on
a live worker:` line, or in the document's Verified section as `Expected on Celery <versions> for
the Example: <class>` (or `for Use instead`). A scenario whose premise does not hold on a version
says `# Not run on Celery <versions>: <why>`: its row there shows `skipped: <why>`, counted apart,
never a failure and never silent.

A block or scenario may hold several files: each starts at a line `# file: NAME.py` (what comes
before the first such line, a scenario's header, goes with the first file). The first file is the
`-A` module; every file is written into the run's directory, which is on PYTHONPATH. A block
without such lines is one file, named after the row (`cel009_example.py`). `--venv DIR` runs the
rows with another venv's python and its `celery` (made by hand, e.g. `python3 -m venv
/tmp/celery553 && /tmp/celery553/bin/pip install celery==5.5.3 redis`): the pin check is skipped
and the versions found are printed.

Each run (a scenario may give other pool options with `# Worker: -c 2`, and how many times its own
tasks are sent with `# Runs: 8`): the bystander (`celery -A celint_rt_bystander worker -P solo`, its
own queue) is started first and must answer a remote-control ping; then `celery -A <example> worker
-P prefork -c 1 --max-tasks-per-child=1 -I celint_rt_tasks` (mingle, gossip and heartbeat left on,
as by default: mingle's ~1 s is part of the races the documents describe). For the rules in
TASKS_FOR (and extra scenarios with `# Tasks: yes`) one failing task and one ping are sent once the
worker is "ready.", two child recycles. The own tasks (OWN_TASKS_FOR, `# Tasks: own`: every function
under a task decorator in the example's files, by the name Celery gives it, `<module>.<function>` or
the decorator's `name="..."`) are all sent once it is "ready.", or, for a scenario with `# Side by side: N`, in rounds of N once every pool
child is up, each round when the previous one has run, and each task of a round waits at its start
for the other N-1 (celint_rt_tasks.py). The worker is watched for --budget seconds, or until it
exits, and past the budget (up to EXTRA_WATCH more) while something is under way: not "ready."
yet, a single child exit or SIGKILL (to see whether it repeats), tasks sent and not all run, a
warm shutdown begun, the bystander on its way out after a broadcast; then the process groups get
SIGTERM, then SIGKILL. Workers whose module creates tables at import (`# Exclusive start: ...`)
start one at a time, each until it is "ready.".

What a scenario's claim rests on, where the scheduling decides it, is checked in the log before the
row counts (precondition()): with --max-tasks-per-child=1, each task ran in a child of its own
(process names); with `# Side by side: N`, every round's N tasks started together in N children;
for the start-up races (EXIT_RACE_FOR, `# Child exit: before|after the start-up check`), the first
child's exit landed on the side the document describes ("Could not start worker processes" or
not). A run where it did not happen proves nothing either way: it is run again, up to ATTEMPTS
times in all (the earlier attempts' logs are kept as *.attemptN.*.log), and if it never happens the
row says "not run: <why>" (NOT RUN, counted in the summary), never a mismatch.
So is a run that would be "unclassified" because its worker began a warm shutdown that never ended
while a task it had received waited for a pool child (the child had just exited under
--max-tasks-per-child=1: Celery 5.3-5.6 on RabbitMQ, 11 of 60 runs of CEL007's rows).

The classes, first match wins:

  ValueError at import   "ValueError: Signal receiver must accept keyword arguments", non-zero exit
  cluster-wide shutdown  the bystander logged "Got shutdown from remote" and exited (whatever this
                         worker did; the evidence column says)
  SIGKILL loop           >= 2 "Timed out waiting for UP message"
  exit loop              >= 2 "exited with 'exitcode N'" (N != 0), the worker still up
  stopped cleanly        the worker exited by itself with status 0 (warm shutdown)
  startup error          the worker exited by itself with a non-zero status (WorkerLostError,
                         SystemExit, ...)
  handler never called   up at the deadline, "ready.", no child lost, tasks (if sent) ran, and none
                         of the strings the example's handlers print (`print("...")`) in the log
  tasks failed           up, "ready.", no child lost, the example's own tasks (CEL010, CEL011: each
                         sent 3 times, each run in a fresh child) all ran, and one raised
  handler ran            up at the deadline, "ready.", no child lost, tasks (if sent) ran, and
                         every string the example's handlers print (`print("...")`) in the log
  kept running           up at the deadline, "ready.", no child lost, tasks (if sent) ran
Anything else is "unclassified" (a failure), and so is a worker whose banner shows another broker.
"handler ran" is "kept running" with the proof that the handlers ran: a row that expects "kept
running" is met by it (and shows "kept running"). Only `print("literal ...")` counts as a handler's
string; a scenario prints what is not the claim (a control handler without a sender filter) with an
f-string, and names it in a `# Control: <text>` header line (one per line): a run whose log lacks a
control's text is "unclassified", since the signal was then not shown to be sent at all. A
scenario's `# Procfile: <line>` header lines are written as a Procfile next to its files when
celint checks its `# celint reports:` line (what a deployment file tells celint: the `-A` module);
the worker the harness runs does not read it.

A block's file named `client.py` (`# file: client.py`, never the first file) is a client program:
it is not the worker's, and runs with the venv's python in the run's directory (same broker, same
PYTHONPATH) once the worker is "ready.", its output in `<row>.client.log`. What the handlers print
counts from the client's log too (a publish signal's handlers run in the producer), its own prints
are not markers, and it must exit 0 within CLIENT_TIMEOUT. Once it has exited, the worker is
watched until every task it received has ended (succeeded, raised, discarded as revoked, killed at
its hard time limit), then CLIENT_SETTLE seconds more for what the worker does after that. The
evidence says whether the client printed anything about an error ("Signal handler", "Traceback").

Four finer classes apply before "handler ran" / "kept running" (same conditions: up, "ready.", no
child lost, tasks ran):

  dispatch stalls        the rules in MEASURE_FOR (and scenarios with `# Measure: dispatch`): once
                         the worker is ready, MEASURE_TASKS celint_rt.ping tasks are sent one after
                         another, each MEASURE_GAP after the previous one's "succeeded" is in the
                         log (a stall that comes and goes is met, not slipped between), and each
                         round-trip is measured (send to "succeeded", polled every 20 ms); at least
                         STALL_COUNT of them took STALL_SECONDS or more. Otherwise the row is
                         classified as below, and the figures are in its evidence either way
  handler ran without the task id
                         the rules in TASK_ID_FOR (and scenarios with `# Check: task id`): every
                         marker was printed, and a line holding a marker holds none of the task ids
                         the worker logged (`name[<id>]`): the handler printed None where the id
                         was meant to be. With the id on every such line: "handler ran"
  handler never completed  a function of the example printed the first of its `print("...")`
                         markers and not its last: it started and stopped half-way (an exception
                         that Signal.send swallowed). A row expecting "kept running" is met by it
  running without logs   alive at the deadline, "ready." never logged, but the worker answered a
                         remote-control ping (it is up and consuming: its logging is what is gone)

A scenario's `# Expected on Celery <versions>: <class>` header line (Redis/RabbitMQ form allowed)
replaces its expectation on those versions (above).

Exit status: 0 all rows match; 1 a mismatch, a scenario error or a leftover process; 2 usage or
set-up error; 3 no mismatch but a row was not run (no broker listening, or a precondition that did
not happen in ATTEMPTS attempts).

It runs with the system python3 (standard library only) long enough to build or reuse the pinned
venvs it needs, then re-executes itself inside 5.7's (target/runtime-venv). RabbitMQ vhosts are made
and deleted a batch at a time (one rabbitmqctl call each way: each starts an Erlang VM); past 15
rows at a time the Redis rows also use a redis-server of the harness's own (databases 0-15).
"""

from __future__ import annotations

import argparse
import atexit
import concurrent.futures
import dataclasses
import fcntl
import hashlib
import json
import http.server
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = ROOT / "target" / "runtime-venv"
REQUIREMENTS = HERE / "requirements.txt"
STAMP_NAME = ".celint-runtime-stamp"
IN_VENV_FLAG = "CELINT_RT_IN_VENV"
# The Celery minors the rows run on (--celery, --matrix), oldest first; the newest is the default and
# the one the harness itself runs in. Each has a pin file and a venv of its own under target/.
VERSIONS = ("4.4", "5.3", "5.4", "5.5", "5.6", "5.7")
NEWEST = VERSIONS[-1]
PINS = HERE / "pins"
VENVS_ENV = "CELINT_RT_VENVS"  # set by the bootstrap for the harness: {"5.3": venv dir, ...}
SKIPPED_ENV = "CELINT_RT_SKIPPED"  # {"4.4": why its venv could not be built}

RULES = [f"CEL{i:03d}" for i in range(1, 19)]
CLASSES = [
    "kept running",
    "stopped cleanly",
    "startup error",
    "exit loop",
    "SIGKILL loop",
    "handler never called",
    "ValueError at import",
    "cluster-wide shutdown",
    "tasks failed",
    "handler ran",
    "handler never completed",
    "handler ran without the task id",
    "dispatch stalls",
    "running without logs",
]
BROKERS = ["redis", "amqp"]
BROKER_TITLE = {"redis": "Redis", "amqp": "RabbitMQ"}
EXPECT_PREFIX = "Expected on a live worker:"
BYSTANDER = "bystander@celint-rt"
REDIS_ADDR = ("127.0.0.1", 6379)
AMQP_ADDR = ("127.0.0.1", 5672)
FLAG_DELAY = 6.0  # the "slow service" CEL005's examples call: longer than the 4 s UP deadline
GRACE_AFTER_EXIT = 2.5  # after the worker exits, how long to wait for the bystander to follow
LOOP_EVENTS = 3  # a loop is established after this many child exits / SIGKILLs
# How far past --budget the watch goes while something is still under way (not "ready." yet, tasks
# sent and not all run, a single child exit or SIGKILL, a warm shutdown begun): on a loaded machine
# (2 cores, 12 scenarios at a time, a compiler next to them) each step can take several times as long.
EXTRA_WATCH = 40.0
BYSTANDER_PING_TIMEOUT = 90.0  # the bystander's start-up, on a loaded machine
# Side-by-side rounds (`# Side by side: N`): how long a task waits in task_prerun for the other
# N-1 children (celint_rt_tasks.py). The harness sends a round only when every pool child is up and
# the previous round has run, so the wait is milliseconds; it must stay below the scenario's soft
# time limit, which counts from the moment the child accepts the task.
SIDE_BY_SIDE_TIMEOUT = 3.0
# A scenario whose precondition did not happen (the tasks did not run side by side or in fresh
# children as the scenario claims, or a start-up race went the other way) is run again, up to this
# many attempts in all; then its row says "not run: <why>".
ATTEMPTS = 3

# Which documents' examples get tasks. Once the worker is "ready." the harness sends
# celint_rt.fail then celint_rt.ping (tests/runtime/celint_rt_tasks.py); with -c 1 and
# --max-tasks-per-child=1 each ends its pool child, so the worker forks replacements. Only the
# rules whose claim is about a recycle or a task get them; elsewhere a recycle would add a second
# run of the handler that the document's claim is not about (CEL001: see
# tests/runtime/scenarios/cel001_recycle.py). Extra scenarios say `# Tasks: yes` in their header.
TASKS_FOR = {
    "CEL004": "the UP deadline is armed only for replacement children",
    "CEL005": "the UP deadline is armed only for replacement children",
    "CEL007": "task_failure needs a failing task",
}

# Which documents' examples get their own tasks sent, OWN_TASK_RUNS times each, instead: the
# fork-safety rules' claims are about what a task sees in a pool child (each run in a fresh
# child: -c 1 --max-tasks-per-child=1). Extra scenarios say `# Tasks: own`.
OWN_TASKS_FOR = {
    "CEL010": "the inherited connection fails in a child's task",
    "CEL011": "the thread's work is missing in a child's task",
    "CEL012": "the task signals are sent when a task runs",
    "CEL014": "task_success is sent when a task succeeds",
}
OWN_TASK_RUNS = 3

# The documents' examples whose outcome is, by the document's own account, a race between the
# first pool child's exit and the worker's one start-up check (right after "ready.", the pool's
# did_start_ok; "Why is this bad?" in rules/CEL002.md and rules/CEL003.md): what the document claims
# holds only when the exit lands on the side named here. Which side it landed on is in the log
# ("Could not start worker processes" or not), and a run where it landed on the other side is not
# evidence either way: it is run again (ATTEMPTS), and these runs are started last, when fewer
# scenarios compete for the CPU. Extra scenarios say `# Child exit: before|after the start-up check`.
EXIT_RACE_FOR = {
    "CEL002": "after",  # sleep(2) then sys.exit(1): replaced, and the replacement exits too
    "CEL003": "before",  # exit(1) at once: WorkerLostError('Could not start worker processes')
}
# Which documents' examples get their dispatch latency measured (the class "dispatch stalls"): a
# handler on the worker's main-process event loop that blocks holds up every task's dispatch. Their
# worker runs `-c 1` without --max-tasks-per-child: a recycle after each task would add a fork to
# every round-trip. Extra scenarios say `# Measure: dispatch` (and give their own `# Worker:`).
MEASURE_FOR = {
    "CEL017": "a blocking main-process handler stalls every task's dispatch",
}
MEASURE_POOL_ARGS = ("-c", "1")
MEASURE_TASKS = 6  # round-trips measured, one after another
MEASURE_GAP = 1.0  # seconds between a round-trip's end and the next send: a stall that comes and goes
# (a heartbeat handler: blocked while it runs, free for 2 s after) is met, not slipped between
MEASURE_TASK_TIMEOUT = 20.0  # one round-trip longer than this: the measurement stops there
STALL_SECONDS = 1.5  # a round-trip this long is a stall (unstalled ones take ~0.01-0.1 s)
STALL_COUNT = 2  # "dispatch stalls": at least this many stalls among the MEASURE_TASKS

# Which documents' examples are checked for the task id in what their handlers print (the class
# "handler ran without the task id"). Extra scenarios say `# Check: task id`.
TASK_ID_FOR = {
    "CEL018": "a main-process handler has no request context: ids read from it are None",
}

# A block's client program (`# file: client.py`): how long it may run, and how long the worker is
# watched after every task it received has ended.
CLIENT_MODULE = "client"
CLIENT_TIMEOUT = 60.0
CLIENT_SETTLE = 3.0
RE_MARKER = re.compile(r'print\(\s*"([^"\\]+)"')
RE_OWN_TASK = re.compile(r"^@\w+(?:\.\w+)*(?:\([^)]*\))?\s*\ndef (\w+)\(", re.M)
RE_TASK_NAME = re.compile(r"\bname\s*=\s*[\"']([^\"']+)[\"']")
RE_FILE = re.compile(r"^# file: (\w+)\.py[ \t]*$", re.M)


# ------------------------------------------------------------------------------------------------
# Phase 1 (system python): build or reuse the pinned venv, then re-execute inside it.
# ------------------------------------------------------------------------------------------------


def vkey(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def pin_file(v: str) -> Path:
    """The pin file of Celery minor `v`: tests/runtime/requirements.txt for the newest,
    tests/runtime/pins/celery-X.Y.txt for the others."""
    return REQUIREMENTS if v == NEWEST else PINS / f"celery-{v}.txt"


def venv_dir(v: str) -> Path:
    return VENV if v == NEWEST else ROOT / "target" / f"runtime-venv-{v}"


def find_python(v: str) -> tuple:
    """The interpreter to build `v`'s venv with, and "" ; or "" and why there is none. A pin file's
    `# Python: 3.8` line names the minors it was resolved on (looked for in pyenv's versions, newest
    patch first, then as python3.X on PATH; CELINT_RT_PYTHON_3_8=/path names one); without such a
    line, the python3 running this."""
    m = re.search(r"^# Python: (.+)$", pin_file(v).read_text(), re.M)
    if not m:
        return sys.executable, ""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    tried = []
    for minor in m[1].split():
        found = []
        named = os.environ.get(f"CELINT_RT_PYTHON_{minor.replace('.', '_')}")
        if named:
            found.append(Path(named))
        found += sorted(root.glob(f"{minor}.*/bin/python{minor}"),
                        key=lambda p: [int(x) if x.isdigit() else -1 for x in p.parent.parent.name.split(".")],
                        reverse=True)
        on_path = shutil.which(f"python{minor}")
        if on_path:
            found.append(Path(on_path))
        for cand in found:
            try:
                r = subprocess.run([str(cand), "-c", "import sys, venv, ssl; print('%d.%d' % sys.version_info[:2])"],
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
            except (OSError, subprocess.SubprocessError):
                r = None
            if r is not None and r.returncode == 0 and r.stdout.strip() == minor:
                return str(cand), ""
            tried.append(str(cand))
    return "", (f"no Python {' or '.join(m[1].split())} with venv and ssl found (pyenv's {root}, PATH"
                + (f"; tried {', '.join(tried)}" if tried else "") + ")")


def venv_stamp(v: str, base: str) -> str:
    h = hashlib.sha256()
    h.update(pin_file(v).read_bytes())
    r = subprocess.run([base, "-c", "import sys; print(sys.version)"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    h.update((r.stdout or base).encode())
    return h.hexdigest()


def ensure_venv(v: str) -> tuple:
    """Build or reuse Celery `v`'s pinned venv: (its python, "") or (None, why it cannot be built on
    this machine: no interpreter the pins were made for). Rebuilt whenever the pin file or the
    interpreter changes. A failed pip install is an error (exit 2), never a skip."""
    venv, req = venv_dir(v), pin_file(v)
    base, why = find_python(v)
    if not base:
        return None, why
    python = venv / "bin" / "python"
    stamp = venv / STAMP_NAME
    venv.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time per venv: CI builds them in the background while other phases run.
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        want = venv_stamp(v, base)
        if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
            return python, ""
        print(f"runtime: building {venv.relative_to(ROOT)} from {req.relative_to(ROOT)} with {base}", flush=True)
        t0 = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        r = subprocess.run([base, "-m", "venv", str(venv)], stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise SystemExit(f"runtime: `{base} -m venv {venv}` failed (is the venv module installed?)")
        r = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-input", "-r", str(req)],
            stdin=subprocess.DEVNULL,
        )
        if r.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise SystemExit(f"runtime: pip install of {req.relative_to(ROOT)} failed")
        stamp.write_text(want + "\n")
        print(f"runtime: built {venv.relative_to(ROOT)} in {time.monotonic() - t0:.0f} s", flush=True)
        return python, ""


def other_venv(argv) -> str:
    """`--venv DIR` (or `--venv=DIR`) on the command line, else ""."""
    for i, a in enumerate(argv):
        if a == "--venv" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--venv="):
            return a.split("=", 1)[1]
    return ""


def bootstrap() -> None:
    """Build (in parallel) or reuse the pinned venv of every Celery the rows run on, and always the
    newest's, then re-execute this script inside the newest's venv: the harness's own client (the
    pings, the tasks it sends) is that Celery; each row's workers and client program run with the
    venv of the row's version."""
    other = other_venv(sys.argv[1:])
    env = dict(os.environ)
    env[IN_VENV_FLAG] = "1"
    if other:
        python = Path(other).resolve() / "bin" / "python"
        if not python.exists():
            sys.exit(f"runtime: --venv {other}: no {python}")
    else:
        args = parse_args(sys.argv[1:])
        wanted = sorted(set(args.celery) | {NEWEST}, key=vkey)
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            built = dict(zip(wanted, pool.map(ensure_venv, wanted)))
        python, why = built[NEWEST]
        if python is None:
            sys.exit(f"runtime: Celery {NEWEST}: {why}")
        skipped = {v: why for v, (py, why) in built.items() if py is None}
        for v, why in skipped.items():
            print(f"runtime: Celery {v}: skipped: {why}", flush=True)
        if args.build_only:
            sys.exit(0)
        env[VENVS_ENV] = json.dumps({v: str(venv_dir(v)) for v, (py, _) in built.items() if py is not None})
        env[SKIPPED_ENV] = json.dumps(skipped)
    os.execve(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]], env)


# ------------------------------------------------------------------------------------------------
# Scenarios: the rule documents' examples and tests/runtime/scenarios/*.py
# ------------------------------------------------------------------------------------------------


class SetupError(Exception):
    pass


@dataclasses.dataclass
class Scenario:
    rule: str
    label: str  # "example", "fixed", "autofix" or the extra scenario's file stem
    module: str
    source: str
    expected: dict  # broker -> class
    origin: str
    celint_codes: list | None = None  # extra scenarios: what celint must report on the file
    tasks: bool = False  # send the two tasks (a recycle each) once the worker is ready
    own: list = dataclasses.field(default_factory=list)  # the module's own tasks to send instead
    pool_args: tuple = ("-c", "1", "--max-tasks-per-child=1")  # a scenario's `# Worker:` header
    runs: int = OWN_TASK_RUNS  # how many times each own task is sent (`# Runs:`)
    error: str = ""  # autofix: why there is no fixed file to run (the row then shows "error")
    side_by_side: int = 0  # `# Side by side: N`: own tasks sent in rounds of N that start together
    exit_race: str = ""  # "before" / "after": where the first child's exit must land (EXIT_RACE_FOR)
    exclusive: str = ""  # `# Exclusive start: <what>`: one such worker at a time until "ready."
    controls: list = dataclasses.field(default_factory=list)  # `# Control:` texts the log must hold
    procfile: list = dataclasses.field(default_factory=list)  # `# Procfile:` lines, for celint only
    measure: bool = False  # MEASURE_FOR, `# Measure: dispatch`: round-trips measured (dispatch stalls)
    task_id_check: bool = False  # TASK_ID_FOR, `# Check: task id`: ids in what the handlers print
    # `Expected on Celery <versions>: <class>` lines, in the order written: (versions, expected)
    by_version: list = dataclasses.field(default_factory=list)
    # `# Not run on Celery <versions>: <why>` lines: (versions, why); the row shows "skipped: <why>"
    not_on: list = dataclasses.field(default_factory=list)

    def skipped_on(self, version: str) -> str:
        return next((why for spec, why in self.not_on if version_matches(spec, version)), "")

    def expected_on(self, version: str) -> dict:
        """The expectation on Celery `version` ("X.Y"): the first `Expected on Celery` line whose
        versions hold it, else the one of `Expected on a live worker`."""
        for spec, expected in self.by_version:
            if version_matches(spec, version):
                return dict(expected)
        return dict(self.expected)

    @property
    def files(self) -> list:
        """(module name, text) of each file, the `-A` module first (`# file: NAME.py` lines)."""
        return split_files(self.source, self.module)

    @property
    def client(self) -> str:
        """The client program's text (`# file: client.py`), or "" when the block has none."""
        return next((text for module, text in self.files if module == CLIENT_MODULE), "")

    @property
    def worker_source(self) -> str:
        """The text of the files that are not the client program: where the handlers are."""
        return "".join(text for module, text in self.files if module != CLIENT_MODULE)

    @property
    def pool_size(self) -> int:
        """The pool's -c (1 unless the `# Worker:` header says otherwise)."""
        args = list(self.pool_args)
        for i, a in enumerate(args):
            if a in ("-c", "--concurrency") and i + 1 < len(args):
                return int(args[i + 1])
            if a.startswith("--concurrency="):
                return int(a.split("=", 1)[1])
        return 1

    @property
    def fresh_children(self) -> bool:
        """Each task ends its child (--max-tasks-per-child=1): every task runs in a fresh one."""
        return "--max-tasks-per-child=1" in self.pool_args

    @property
    def markers(self) -> list:
        """Strings the example's handlers print: seeing one in the log proves a handler ran. The
        client program's prints are not markers."""
        return re.findall(RE_MARKER, self.worker_source)

    @property
    def continued_markers(self) -> set:
        """The markers printed with more arguments after them (`print("revoked", task_id)`)."""
        return set(re.findall(RE_MARKER.pattern + r"\s*,", self.worker_source))

    @property
    def function_markers(self) -> list:
        """(function name, its markers in order) for each function of the example (not the client)
        that prints two markers or more: its first one printed and not its last is a handler that
        stopped half-way. Nested functions count for themselves only."""
        import ast

        out = []
        for module, text in self.files:
            if module == CLIENT_MODULE:
                continue
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            lines = text.splitlines(keepends=True)
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                inner = [n for n in ast.walk(node) if n is not node
                         and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
                skip = {i for n in inner for i in range(n.lineno, (n.end_lineno or n.lineno) + 1)}
                body = "".join(lines[i - 1] for i in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                               if i not in skip)
                found = re.findall(RE_MARKER, body)
                if len(found) >= 2:
                    out.append((node.name, found))
        return out


def parse_expected(text: str, where: str) -> dict:
    text = text.strip()
    m = re.fullmatch(r"Redis: (.+?); RabbitMQ: (.+)", text)
    exp = {"redis": m[1].strip(), "amqp": m[2].strip()} if m else {"redis": text, "amqp": text}
    for cls in exp.values():
        if cls not in CLASSES:
            raise SetupError(f"{where}: unknown class {cls!r} (one of: {', '.join(CLASSES)})")
    return exp


RE_VERSIONS_ITEM = re.compile(r"(?:(<=|>=|<|>)\s*)?(\d+\.\d+)(?:\s*-\s*(\d+\.\d+))?")
RE_BY_VERSION = re.compile(r"^(?:#\s*)?Expected on Celery ([^:]+):\s*(.+?)\s*$")
RE_NOT_ON = re.compile(r"^#\s*Not run on Celery ([^:]+):\s*(.+?)\s*$")
# In a rule document's Verified section: "Expected on Celery <versions> for the Example: <class>" (or
# "for Use instead"), which the harness reads for that block.
RE_VERIFIED_BY_VERSION = re.compile(
    r"^Expected on Celery ([^:]+?) for (the Example|Use instead):\s*(.+?)\.?\s*$", re.M)


def parse_versions(spec: str, where: str) -> str:
    """`Expected on Celery <versions>`: a comma-separated list of "X.Y", "X.Y-X.Y" (both ends
    included), "<X.Y", "<=X.Y", ">X.Y", ">=X.Y". Returned as written, checked."""
    for item in spec.split(","):
        m = RE_VERSIONS_ITEM.fullmatch(item.strip())
        if not m or (m[1] and m[3]):
            raise SetupError(f"{where}: `Expected on Celery {spec}:`: want X.Y, X.Y-X.Y, <X.Y, <=X.Y, >X.Y "
                             "or >=X.Y, comma-separated")
    return spec.strip()


def version_matches(spec: str, version: str) -> bool:
    have = vkey(version)
    for item in spec.split(","):
        m = RE_VERSIONS_ITEM.fullmatch(item.strip())
        op, lo, hi = m[1], vkey(m[2]), vkey(m[3]) if m[3] else None
        if (hi is not None and lo <= have <= hi) or (hi is None and (
                (op is None and have == lo) or (op == "<" and have < lo) or (op == "<=" and have <= lo)
                or (op == ">" and have > lo) or (op == ">=" and have >= lo))):
            return True
    return False


def doc_block(doc: str, heading: str, where: str) -> tuple:
    """The single ```python block under `heading` (as tests/rule_docs.rs reads it), the
    expectation line right after it, and the `Expected on Celery <versions>: <class>` lines that
    follow that line (list of (versions, expected))."""
    start = doc.find("\n" + heading + "\n")
    if start < 0:
        raise SetupError(f"{where}: no {heading!r} section")
    rest = doc[start + len(heading) + 2:]
    end = rest.find("\n## ")
    section = rest if end < 0 else rest[:end]
    if section.count("```python") != 1:
        raise SetupError(f"{where} {heading}: expected exactly one ```python block")
    open_ = section.index("```python\n") + len("```python\n")
    close = section.index("```", open_)
    after = section[close + 3:].lstrip("\n").splitlines()
    first = after[0] if after else ""
    if not first.startswith(EXPECT_PREFIX):
        raise SetupError(f"{where} {heading}: the line after the block must be `{EXPECT_PREFIX} <class>`")
    by_version = []
    for line in after[1:]:
        m = RE_BY_VERSION.match(line)
        if not m:
            break
        by_version.append((parse_versions(m[1], f"{where} {heading}"), parse_expected(m[2], f"{where} {heading}")))
    return section[open_:close], parse_expected(first[len(EXPECT_PREFIX):], f"{where} {heading}"), by_version


def verified_by_version(doc: str, where: str) -> dict:
    """The `Expected on Celery <versions> for the Example: <class>` (or `for Use instead`) lines of a
    rule document's Verified section: label ("example", "fixed") -> [(versions, expected)]."""
    start = doc.find("\n## Verified\n")
    if start < 0:
        return {}
    rest = doc[start + 1:]
    end = rest.find("\n## ", 1)
    out = {}
    for m in RE_VERIFIED_BY_VERSION.finditer(rest if end < 0 else rest[:end]):
        label = "example" if m[2] == "the Example" else "fixed"
        out.setdefault(label, []).append((parse_versions(m[1], f"{where} Verified"),
                                          parse_expected(m[3], f"{where} Verified")))
    return out


def split_files(source: str, default: str) -> list:
    """The files of a block: (module name, text) for each `# file: NAME.py` line, what comes
    before the first one going with the first file; a block without such lines is one file,
    `default`."""
    marks = list(RE_FILE.finditer(source))
    if not marks:
        return [(default, source)]
    out = []
    for i, m in enumerate(marks):
        start = 0 if i == 0 else m.start()
        end = marks[i + 1].start() if i + 1 < len(marks) else len(source)
        out.append((m[1], source[start:end]))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise SetupError(f"a file is named twice in a block: {names}")
    return out


def own_tasks(files: list) -> list:
    """The task names of the functions under a task decorator (`@app.task`, `@shared_task(...)`)
    of the files: the decorator's `name="..."`, else `<module>.<function>`."""
    out = []
    for module, source in files:
        for m in RE_OWN_TASK.finditer(source):
            deco = source[m.start():m.end()]
            if re.search(r"@\S*task\b", deco):
                named = RE_TASK_NAME.search(deco)
                out.append(named[1] if named else f"{module}.{m[1]}")
    return out


def check_client(sc: Scenario, where: str) -> None:
    """A client program is never the worker's `-A` module."""
    if sc.files[0][0] == CLIENT_MODULE:
        raise SetupError(f"{where}: `# file: {CLIENT_MODULE}.py` is the client program: it cannot be the first "
                         "file (the worker's -A module)")


def load_scenarios() -> list:
    out = []
    for rule in RULES:
        path = ROOT / "rules" / f"{rule}.md"
        doc = path.read_text()
        where = str(path.relative_to(ROOT))
        verified = verified_by_version(doc, where)
        for heading, label in (("## Example", "example"), ("## Use instead", "fixed")):
            source, expected, by_version = doc_block(doc, heading, where)
            try:
                files = split_files(source, f"{rule.lower()}_{label}")
            except SetupError as e:
                raise SetupError(f"{where} {heading}: {e}") from None
            sc = Scenario(rule, label, files[0][0], source, expected,
                          f"{where} {heading}", tasks=rule in TASKS_FOR,
                          own=own_tasks(files) if rule in OWN_TASKS_FOR else [],
                          exit_race=EXIT_RACE_FOR.get(rule, "") if label == "example" else "",
                          measure=rule in MEASURE_FOR, task_id_check=rule in TASK_ID_FOR)
            sc.by_version = by_version + verified.get(label, [])
            if sc.measure:
                sc.pool_args = MEASURE_POOL_ARGS
            check_client(sc, f"{where} {heading}")
            out.append(sc)
    for path in sorted((HERE / "scenarios").glob("*.py")):
        source = path.read_text()
        where = str(path.relative_to(ROOT))
        header = {}
        controls, procfile = [], []
        by_version, not_on = [], []
        for line in source.splitlines():
            if not line.startswith("#") or RE_FILE.match(line):
                break
            m = RE_BY_VERSION.match(line)
            if m:
                by_version.append((parse_versions(m[1], where), parse_expected(m[2], where)))
                continue
            m = RE_NOT_ON.match(line)
            if m:
                not_on.append((parse_versions(m[1], where), m[2]))
                continue
            m = re.match(r"#\s*([A-Za-z ]+):\s*(.*)$", line)
            if m:
                header[m[1].strip().lower()] = m[2].strip()
                if m[1].strip().lower() == "control":
                    controls.append(m[2].strip())
                if m[1].strip().lower() == "procfile":
                    procfile.append(m[2].strip())
        try:
            files = split_files(source, path.stem)
        except SetupError as e:
            raise SetupError(f"{where}: {e}") from None
        try:
            rule = header["rule"]
            expected = parse_expected(header["expected on a live worker"], where)
        except KeyError as e:
            raise SetupError(f"{where}: header line `# {e.args[0].capitalize()}: ...` missing") from None
        codes = sorted(c for c in re.split(r"[,\s]+", header.get("celint reports", "")) if c)
        tasks = header.get("tasks", "no").lower() in ("yes", "fail, ping")
        own = own_tasks(files) if header.get("tasks", "").lower() == "own" else []
        sc = Scenario(rule, path.stem, files[0][0], source, expected, where, codes, tasks, own)
        sc.controls = controls
        sc.procfile = procfile
        sc.by_version = by_version
        sc.not_on = not_on
        sc.measure = header.get("measure", "").lower() == "dispatch"
        if sc.measure:
            sc.pool_args = MEASURE_POOL_ARGS  # unless its `# Worker:` line says otherwise (below)
        sc.task_id_check = header.get("check", "").lower() == "task id"
        check_client(sc, where)
        if "worker" in header:
            sc.pool_args = tuple(header["worker"].split())
        if "runs" in header:
            sc.runs = int(header["runs"])
        if "child exit" in header:
            m = re.fullmatch(r"(before|after) the start-up check", header["child exit"])
            if not m:
                raise SetupError(f"{where}: `# Child exit: before|after the start-up check`")
            sc.exit_race = m[1]
        sc.exclusive = header.get("exclusive start", "")
        if "side by side" in header:
            sc.side_by_side = n = int(header["side by side"])
            if not sc.own or n < 2 or n > sc.pool_size or (len(sc.own) * sc.runs) % n:
                raise SetupError(f"{where}: `# Side by side: {n}` needs `# Tasks: own`, a pool of at least "
                                 f"{n} (`# Worker: -c {n}`) and a number of task runs that {n} divides")
        out.append(sc)
    return out


# ------------------------------------------------------------------------------------------------
# Process bookkeeping: everything started is in its own process group and stopped on every exit.
# ------------------------------------------------------------------------------------------------

RUN_ID = uuid.uuid4().hex[:10]
RUN_TMP = Path(tempfile.gettempdir()) / f"celint-rt-{RUN_ID}"  # scenario dirs, TMPDIR of the workers
_procs_lock = threading.Lock()
_procs: list = []
_cleanups: list = []  # callables run at exit (brokers, servers)
_stopping = threading.Event()


def spawn(argv, *, env, cwd, log_path) -> subprocess.Popen:
    log = open(log_path, "wb")
    with _procs_lock:
        if _stopping.is_set():
            raise SetupError("harness is stopping")
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
        _procs.append(p)
    log.close()
    return p


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in process group `pgid`."""
    try:
        os.killpg(pgid, 0)  # nothing at all left in the group: no need to read /proc
    except ProcessLookupError:
        return False
    except OSError:
        pass
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def stop_group(p: subprocess.Popen, term_wait: float = 6.0) -> None:
    """SIGTERM the whole process group (warm shutdown), then SIGKILL whatever is left."""
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, 5.0)):
        p.poll()
        if not group_alive(p.pid):
            break
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            p.poll()
            if not group_alive(p.pid):
                break
            time.sleep(0.2)
    try:
        p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        pass
    with _procs_lock:
        if p in _procs:
            _procs.remove(p)


def cleanup_all() -> None:
    _stopping.set()
    with _procs_lock:
        procs = list(_procs)
    for p in procs:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass
    with _procs_lock:
        _procs.clear()
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - best effort at exit
            print(f"runtime: cleanup: {e}", file=sys.stderr)


def leftovers(run_id: str = RUN_ID) -> list:
    """Processes still carrying this run's tag in their environment (every process the harness
    starts gets CELINT_RT_RUN=<run id>, and their children inherit it); run_id "" for any run."""
    tag = f"CELINT_RT_RUN={run_id}".encode()
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            env = (d / "environ").read_bytes()
            if any(v == tag or (not run_id and v.startswith(tag)) for v in env.split(b"\0")):
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((int(d.name), cmd.strip()))
        except OSError:
            continue
    return found


def on_signal(signum, _frame):
    print(f"\nruntime: got signal {signum}, stopping everything", file=sys.stderr, flush=True)
    cleanup_all()
    os._exit(128 + signum)


# ------------------------------------------------------------------------------------------------
# Brokers
# ------------------------------------------------------------------------------------------------


def listening(addr) -> bool:
    try:
        with socket.create_connection(addr, timeout=1.0):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisBroker:
    """One Redis database per running scenario: databases 1..15 of each server given (0 is left
    alone on a server the harness did not start). A database is used only if it is empty or carries
    this harness's marker key from an earlier run; it is flushed after."""

    MARKER = "celint-runtime:owner"

    def __init__(self, servers):
        """servers: [(port, started by the harness?)], the first one's databases handed out first."""
        import queue

        import redis

        self._redis = redis
        self.first_port = servers[0][0]
        self.lock = threading.Lock()
        self.outstanding = set()  # databases in use: flushed at exit
        self.pool = queue.Queue()
        notes = []
        for port, own in servers:
            skipped, usable = [], 0
            for db in range(0 if own else 1, 16):
                r = redis.Redis(host="127.0.0.1", port=port, db=db)
                if r.dbsize() == 0 or r.exists(self.MARKER):
                    r.flushdb()
                    self.pool.put((port, db))
                    usable += 1
                else:
                    skipped.append(db)
                r.close()
            notes.append(f"Redis 127.0.0.1:{port}{' (started by the harness)' if own else ''}, {usable} databases"
                         + (f" (skipping non-empty {skipped})" if skipped else ""))
        if self.pool.empty():
            raise SetupError(f"Redis on port {servers[0][0]}: databases 1-15 all hold foreign data")
        _cleanups.append(self.close)
        self.note = "; ".join(notes) + ", one per scenario"

    def _client(self, handle, **kw):
        port, db = handle
        return self._redis.Redis(host="127.0.0.1", port=port, db=db, **kw)

    def acquire(self, tag: str):
        handle = self.pool.get()
        with self.lock:
            self.outstanding.add(handle)
        r = self._client(handle)
        r.flushdb()
        r.set(self.MARKER, RUN_ID)
        r.close()
        port, db = handle
        return f"redis://127.0.0.1:{port}/{db}", {}, {}, handle

    def release(self, handle) -> None:
        r = self._client(handle)
        r.flushdb()
        r.close()
        with self.lock:
            self.outstanding.discard(handle)
        self.pool.put(handle)

    def close(self) -> None:
        with self.lock:
            handles, self.outstanding = list(self.outstanding), set()
        for handle in handles:
            try:
                r = self._client(handle, socket_timeout=2)
                r.flushdb()
                r.close()
            except Exception:  # noqa: BLE001 - a server the harness started may be gone already
                pass

    def where(self, handle) -> str:
        port, db = handle
        return f"db {db}" if port == self.first_port else f"port {port} db {db}"


def start_redis_server() -> int:
    """A redis-server of the harness's own on a free port (no persistence), stopped at exit."""
    port = free_port()
    p = spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--daemonize", "no"], env=base_env(), cwd=RUN_TMP,
              log_path=RUN_TMP / f"redis-server-{port}.log")
    _cleanups.append(lambda: stop_group(p))
    for _ in range(50):
        if listening(("127.0.0.1", port)):
            break
        time.sleep(0.1)
    return port


class AmqpBroker:
    """One RabbitMQ vhost per scenario, or, where vhosts cannot be made, vhost "/" with a queue, pidbox
    and event exchange of the scenario's own. Each rabbitmqctl call starts an Erlang VM (about 0.4 s
    of CPU), so vhosts are made ahead, a batch at a time in one `rabbitmqctl import_definitions`
    (each still used by one scenario only, never reused), and deleted a batch at a time in one
    `rabbitmqctl eval` of rabbit_vhost:delete/2 (delete_vhost one by one where that fails)."""

    def __init__(self, isolation: str, batch: int = 8):
        self.mode = isolation
        self.batch = max(1, batch)
        self.lock = threading.Lock()
        self.make_lock = threading.Lock()
        self.outstanding = set()  # vhosts made and not yet deleted: deleted at exit
        self.fresh = []  # made, never used
        self.used = []  # used, to delete
        self.made = 0
        _cleanups.append(self.close)
        if isolation in ("auto", "vhost"):
            ok, why = self._probe_vhosts()
            if ok:
                self.mode = "vhost"
            elif isolation == "vhost":
                raise SetupError(f"RabbitMQ: cannot create vhosts: {why}")
            else:
                self.mode = "names"
                print(f"runtime: RabbitMQ vhosts unavailable ({why}); using per-scenario names on vhost /")
        self.note = ("RabbitMQ 127.0.0.1:5672, a vhost per scenario" if self.mode == "vhost"
                     else "RabbitMQ 127.0.0.1:5672 vhost /, a queue and pidbox exchange per scenario")

    @staticmethod
    def _ctl(*args) -> subprocess.CompletedProcess:
        return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)

    def _probe_vhosts(self):
        if not shutil.which("rabbitmqctl"):
            return False, "no rabbitmqctl"
        # vhosts left by a harness that was killed (only one runs at a time: the lock in main)
        r = self._ctl("list_vhosts", "name")
        stale = [v for v in (r.stdout.split() if r.returncode == 0 else []) if v.startswith("celint-rt-")]
        if stale:
            print(f"runtime: deleting {len(stale)} vhosts left by an earlier run")
            self._delete(stale)
        try:
            self._make()
            return True, ""
        except SetupError as e:
            return False, str(e)
        except (OSError, subprocess.SubprocessError) as e:
            return False, str(e)

    def _make(self) -> None:
        """VHOST_BATCH new vhosts with guest's permissions, in one call."""
        names = [f"celint-rt-{RUN_ID}-v{self.made + i + 1:03d}" for i in range(self.batch)]
        self.made += len(names)
        defs = {"vhosts": [{"name": n} for n in names],
                "permissions": [{"user": "guest", "vhost": n, "configure": ".*", "write": ".*", "read": ".*"}
                                for n in names]}
        RUN_TMP.mkdir(parents=True, exist_ok=True)
        path = RUN_TMP / f"vhosts-{self.made}.json"
        path.write_text(json.dumps(defs))
        with self.lock:
            self.outstanding.update(names)
        r = self._ctl("import_definitions", str(path))
        path.unlink()
        if r.returncode != 0:
            raise SetupError(f"rabbitmqctl import_definitions: {(r.stderr or r.stdout).strip()[-300:]}")
        self.fresh.extend(names)

    def _delete(self, names) -> None:
        quoted = ", ".join('<<"' + n + '">>' for n in names)
        r = self._ctl("eval", f'[rabbit_vhost:delete(V, <<"celint-rt">>) || V <- [{quoted}]].')
        if r.returncode != 0:
            for n in names:
                self._ctl("delete_vhost", n)
        with self.lock:
            self.outstanding.difference_update(names)

    def acquire(self, tag: str):
        if self.mode == "vhost":
            with self.make_lock:
                if not self.fresh:
                    self._make()
                name = self.fresh.pop(0)
            return f"amqp://guest:guest@127.0.0.1:5672/{name}", {}, {}, name
        env = {"CELERY_CONFIG_MODULE": "celint_rt_isolation", "CELINT_RT_SCENARIO_TAG": tag}
        n = "celint_rt_" + tag
        conf = {"task_default_queue": n, "control_exchange": n, "event_exchange": n + ".ev"}
        return "amqp://guest:guest@127.0.0.1:5672//", env, conf, n

    def release(self, handle) -> None:
        if self.mode == "vhost":
            with self.lock:
                self.used.append(handle)
                doomed, self.used = (self.used, []) if len(self.used) >= self.batch else ([], self.used)
            if doomed:
                self._delete(doomed)
            return
        from kombu import Connection

        with Connection("amqp://guest:guest@127.0.0.1:5672//") as conn:
            ch = conn.channel()
            for q in (handle, "celint_rt_bystander_" + handle[len("celint_rt_"):]):
                try:
                    ch.queue_delete(q)
                except Exception:  # noqa: BLE001
                    ch = conn.channel()
            for ex in (handle, f"{handle}.pidbox", f"reply.{handle}.pidbox", f"{handle}.ev"):
                try:
                    ch.exchange_delete(ex)
                except Exception:  # noqa: BLE001
                    ch = conn.channel()

    def close(self) -> None:
        with self.lock:
            names = sorted(self.outstanding)
            self.used, self.fresh = [], []
        if names:
            self._delete(names)

    def where(self, handle) -> str:
        return f"vhost {handle}" if self.mode == "vhost" else f"names {handle}"


class FlagServer:
    """The HTTP service CEL005's examples load flags from (FLAGS_URL), and CEL017's send their health
    check to (HEALTHCHECK_URL): it answers any GET after FLAG_DELAY seconds, longer than the
    WORKER_UP deadline. Requests are counted per scenario (path /<tag>/...)."""

    def __init__(self):
        hits = self.hits = {}
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                tag = self.path.strip("/").split("/")[0]
                with lock:
                    hits[tag] = hits.get(tag, 0) + 1
                time.sleep(FLAG_DELAY)
                body = b'{"beta": true}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        _cleanups.append(self.server.shutdown)


# ------------------------------------------------------------------------------------------------
# Running and classifying one scenario on one broker
# ------------------------------------------------------------------------------------------------

RE_READY = re.compile(r"\] \S+@\S+ ready\.")
RE_EXIT = re.compile(r"exited with 'exitcode ([1-9]\d*)'")
RE_UP_TIMEOUT = "Timed out waiting for UP message"
RE_REMOTE = "Got shutdown from remote"
RE_VALUEERROR = "ValueError: Signal receiver must accept keyword arguments"
RE_TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] (succeeded|raised)")
RE_TASK_RAISED = re.compile(r"Task [\w.]+\[[^\]]+\] raised unexpected: (.+)")
# the same lines with the process that logged them: "[<time>: INFO/ForkPoolWorker-2] Task ..."
RE_TASK_BY = re.compile(r"^\[[^\]]*?: \w+/([^\]]+)\] Task ([\w.]+)\[[^\]]+\] (?:succeeded|raised)", re.M)
RE_LOST_START = "Could not start worker processes"  # the first child exited before the start-up check
RE_CHILD_UP = re.compile(r"celint-rt: child (\d+) up")  # celint_rt_tasks.py, side-by-side scenarios
RE_TOGETHER = re.compile(r"celint-rt: round (\d+): side by side in children \[([\d, ]+)\]")
RE_ALONE = re.compile(r"celint-rt: round (\d+): alone in child (\d+) after ([\d.]+) s")


@dataclasses.dataclass
class Env:
    """One Celery the rows run on: its pinned venv (or --venv's), the versions installed there, where
    its rows' logs go, and whether it runs the full set or the rule documents' blocks only."""
    name: str  # "X.Y"
    venv: Path
    logdir: Path = None
    full: bool = True
    versions: dict = dataclasses.field(default_factory=dict)  # package -> installed version
    python_version: str = ""

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def celery(self) -> Path:
        return self.venv / "bin" / "celery"

    def describe(self) -> str:
        return (", ".join(f"{p} {v}" for p, v in self.versions.items()) + f", Python {self.python_version}")


@dataclasses.dataclass
class Result:
    scenario: Scenario
    broker: str
    expected: str
    observed: str
    evidence: str
    ok: bool
    seconds: float = 0.0
    missed: str = ""  # the scenario's precondition did not happen: why (observed is "not run: ...")
    env: Env = None
    skipped: bool = False  # `# Not run on Celery <versions>:` (observed is "skipped: <why>")


class Ctx:
    def __init__(self, args, brokers, flags, logdir):
        self.args = args
        self.brokers = brokers
        self.flags = flags
        self.logdir = logdir
        self.counter = 0
        self.lock = threading.Lock()
        self.exclusive = {}  # `# Exclusive start:` name -> lock held from a worker's start to "ready."

    def tag(self) -> str:
        with self.lock:
            self.counter += 1
            return f"s{self.counter:02d}"


def base_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CELERY_", "CELERYD_", "DEMO_", "CELINT_RT_", "PYTHON"))}
    env["PYTHONUNBUFFERED"] = "1"
    env["CELINT_RT_RUN"] = RUN_ID
    env["TMPDIR"] = str(RUN_TMP)
    return env


def client_app(url: str, conf: dict):
    from celery import Celery

    app = Celery("celint_rt_client", broker=url, set_as_current=False)
    app.conf.update(conf)
    return app


def read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


class Tail:
    """A log file watched while it is written: read again only when its size changed (the same str
    object is returned otherwise, so that what was computed from it can be kept)."""

    def __init__(self, path: Path):
        self.path, self.size, self.text = path, -1, ""

    def get(self) -> str:
        try:
            size = os.stat(self.path).st_size
        except OSError:
            size = 0
        if size != self.size:
            self.size, self.text = size, read(self.path)
        return self.text


RE_RECEIVED = re.compile(r"(?:Task [\w.]+\[([^\]]+)\] received|Received task: [\w.]+\[([^\]]+)\])")
RE_TASK_ENDED = re.compile(r"(?:Task [\w.]+\[([^\]]+)\] (?:succeeded|raised)"
                           r"|Discarding revoked task: [\w.]+\[([^\]]+)\]"
                           r"|Hard time limit \([^)]*\) exceeded for [\w.]+\[([^\]]+)\])")
RE_TASK_ID = re.compile(r"\[([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]")
RE_LOG_RECORD = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+: \w+/", re.M)


RE_QUOTED_SOURCE = re.compile(r"^\s+.*\bprint\(")
RE_PRINT_RECORD = re.compile(r"^\[[^\]]*?: WARNING/([^\]]+)\] (.*)$")


def printed_lines(text: str, continued=()) -> list:
    """The log's lines, with what one print() wrote put back on one line. A worker redirects its
    standard output to logging (worker_redirect_stdouts): each write is a WARNING record, so
    `print("revoked task", task_id)` is three records, "revoked task", " " and the id. Records of
    one process are joined where a separator record (" ") comes between two pieces. Celery 4.4's
    proxy strips each write and drops the " ": there a record that is exactly one of `continued`
    (the literal of a `print("literal", ...)` with more arguments) is joined with the next record of
    its process."""
    out, cur, cur_proc, prev_sep, last = [], None, None, True, None
    for raw in text.splitlines():
        m = RE_PRINT_RECORD.match(raw)
        if not m:
            if cur is not None:
                out.append(cur)
                cur = None
            out.append(raw)
            prev_sep = True
            continue
        proc, msg = m[1], m[2]
        sep = msg == " "
        stripped = not sep and not prev_sep and last in continued  # 4.4: the " " record was dropped
        if cur is not None and proc == cur_proc and (sep or prev_sep or stripped):
            cur += (" " if stripped else "") + msg
        else:
            if cur is not None:
                out.append(cur)
            cur, cur_proc = msg, proc
        prev_sep, last = sep, msg
    if cur is not None:
        out.append(cur)
    return out


class ClientRun:
    """The client program of a block (`# file: client.py`): started once the worker is ready;
    settled once it has exited and every task the worker received has ended, CLIENT_SETTLE ago."""

    def __init__(self):
        self.proc = None
        self.started = None
        self.rc = None  # exit status; "timeout" when stopped after CLIENT_TIMEOUT
        self.exited = None
        self.ended_at = None  # when every task the worker received had ended (after the exit)
        self.received = 0
        self.text = ""
        self._parsed, self._received, self._ended = None, set(), set()

    def watch(self, now: float, wtext: str) -> None:
        if self.proc is None:
            return
        if self.rc is None:
            rc = self.proc.poll()
            if rc is not None:
                self.rc, self.exited = rc, now
            elif now - self.started > CLIENT_TIMEOUT:
                stop_group(self.proc, term_wait=2.0)
                self.rc, self.exited = "timeout", now
        if self.rc is None:
            return
        if wtext is not self._parsed:
            self._parsed = wtext
            self._received = {next(g for g in m if g) for m in RE_RECEIVED.findall(wtext)}
            self._ended = {next(g for g in m if g) for m in RE_TASK_ENDED.findall(wtext)}
        received, ended = self._received, self._ended
        self.received = len(received)
        if received <= ended:
            self.ended_at = self.ended_at if self.ended_at is not None else now
        else:
            self.ended_at = None

    def settled(self, now: float) -> bool:
        return self.ended_at is not None and now - self.ended_at >= CLIENT_SETTLE

    def evidence(self) -> str:
        if self.proc is None:
            return "client never started"
        said = [w for w in ("Signal handler", "Traceback", "Error") if w in self.text]
        quiet = (f"the client printed {' / '.join(repr(w) for w in said)}" if said
                 else "the client printed no error")
        return f"client exit {self.rc} at {self.exited:.1f}s, {quiet}"


class Measure:
    """Round-trips of celint_rt.ping sent one after another (MEASURE_FOR, `# Measure: dispatch`):
    each from its send to its "succeeded" line in the worker's log."""

    def __init__(self):
        self.seconds = []
        self.pending = None  # (task id, monotonic time sent)
        self.last = None  # monotonic time the last round-trip ended
        self.over = False
        self.why = ""  # why the measurement stopped short

    def step(self, app, wtext: str) -> None:
        if self.over:
            return
        if self.pending is not None:
            tid, sent = self.pending
            waited = time.monotonic() - sent
            if f"[{tid}] succeeded" in wtext:
                self.seconds.append(waited)
                self.pending = None
                self.last = time.monotonic()
            elif waited > MEASURE_TASK_TIMEOUT:
                self.over = True
                self.why = f"round-trip {len(self.seconds) + 1} took over {MEASURE_TASK_TIMEOUT:.0f} s"
                return
        if self.pending is None:
            if len(self.seconds) >= MEASURE_TASKS:
                self.over = True
                return
            if self.last is not None and time.monotonic() - self.last < MEASURE_GAP:
                return
            tid = f"celint-rt-m{len(self.seconds) + 1}-{uuid.uuid4()}"
            app.send_task("celint_rt.ping", task_id=tid)
            self.pending = (tid, time.monotonic())

    @property
    def stalls(self) -> list:
        return [x for x in self.seconds if x >= STALL_SECONDS]

    def evidence(self) -> str:
        figures = ", ".join(f"{x:.2f}" for x in self.seconds)
        return (f"round-trips of {len(self.seconds)} pings one after another: [{figures}] s "
                f"(max {max(self.seconds, default=0):.2f} s, {len(self.stalls)} >= {STALL_SECONDS} s)")


@dataclasses.dataclass
class Extra:
    client: ClientRun | None = None
    measure: Measure | None = None
    pinged: str | None = None  # the node that answered a ping although it never logged "ready."


def answered_ping(app):
    """The name of a node other than the bystander that answers a remote-control ping, or None."""
    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception:  # noqa: BLE001 - no answer is the answer
        return None
    names = [name for r in replies for name in r if name != BYSTANDER]
    return names[0] if names else None


def run_one(sc: Scenario, broker_name: str, ctx: Ctx, expected: str, env_: Env) -> Result:
    r = run_one_on(sc, broker_name, ctx, expected, env_)
    r.env = env_
    return r


def run_one_on(sc: Scenario, broker_name: str, ctx: Ctx, expected: str, env_: Env) -> Result:
    t_start = time.monotonic()
    broker = ctx.brokers[broker_name]
    if isinstance(broker, str):  # not run
        return Result(sc, broker_name, expected, broker, "", False)
    if sc.error:  # an autofix that gave no file to run
        return Result(sc, broker_name, expected, "error", sc.error, False)
    tag = ctx.tag()
    url, extra_env, conf, handle = broker.acquire(tag)
    tmp = RUN_TMP / tag
    tmp.mkdir(parents=True)
    logbase = env_.logdir / f"{sc.rule}-{sc.label}-{broker_name}"
    wlog, blog = Path(f"{logbase}.worker.log"), Path(f"{logbase}.bystander.log")
    clog = Path(f"{logbase}.client.log")
    bystander = worker = app = cl = None
    start_lock = None
    try:
        for module, text in sc.files:
            (tmp / f"{module}.py").write_text(text)
        env = base_env()
        env.update(extra_env)
        env["CELERY_BROKER_URL"] = url
        env["PYTHONPATH"] = f"{tmp}{os.pathsep}{HERE}"
        env["FLAGS_URL"] = f"http://127.0.0.1:{ctx.flags.port}/{tag}/flags"
        env["HEALTHCHECK_URL"] = f"http://127.0.0.1:{ctx.flags.port}/{tag}/ping"  # CEL017's slow service
        if sc.side_by_side:
            barrier = tmp / "side-by-side"
            barrier.mkdir()
            env["CELINT_RT_SIDE_BY_SIDE"] = f"{sc.side_by_side} {SIDE_BY_SIDE_TIMEOUT} {barrier}"
        celery = str(env_.celery)
        app = client_app(url, conf)

        # 1. the bystander, and proof that it consumes remote control before the example starts
        bystander = spawn([celery, "-A", "celint_rt_bystander", "worker", "-P", "solo", "-n", BYSTANDER,
                           "-Q", f"celint_rt_bystander_{tag}", "-l", "info"], env=env, cwd=tmp, log_path=blog)
        deadline = time.monotonic() + BYSTANDER_PING_TIMEOUT
        while not app.control.ping(destination=[BYSTANDER], timeout=0.5):
            if bystander.poll() is not None or time.monotonic() > deadline:
                raise SetupError(f"bystander did not answer a ping in {BYSTANDER_PING_TIMEOUT:.0f} s "
                                 f"({broker.where(handle)}); see {blog}")

        # 2. the example's worker. Workers whose module creates tables at import start one at a time
        # (`# Exclusive start:`): two CREATE TABLE of one name at once fail on a fresh database.
        if sc.exclusive:
            with ctx.lock:
                start_lock = ctx.exclusive.setdefault(sc.exclusive, threading.Lock())
            start_lock.acquire()
        argv = [celery, "-A", sc.module, "worker", "-P", "prefork", *sc.pool_args,
                "-l", ctx.args.loglevel, "-I", "celint_rt_tasks"]
        t0 = time.monotonic()
        worker = spawn(argv, env=env, cwd=tmp, log_path=wlog)
        sent_at = exited_at = bystander_exited_at = None
        total = len(sc.own) * sc.runs  # own task runs
        # side by side: the own tasks in rounds of N, one per child, each round once the previous ran
        queue_ = [name for name in sc.own for _ in range(sc.runs)]
        n = sc.side_by_side
        rounds = [queue_[i:i + n] for i in range(0, total, n)] if n else []
        sent_rounds = 0
        # the client program (`# file: client.py`), the dispatch measurement, the ping of a worker
        # that never logs "ready."
        cl = ClientRun() if sc.client else None
        meas = Measure() if sc.measure else None
        ready_at = pinged = None
        pinged_at = -10.0
        wtail, btail = Tail(wlog), Tail(blog)
        parsed = None  # the worker log's text the counts below were taken from
        while True:
            now = time.monotonic() - t0
            text, btext = wtail.get(), btail.get()
            if text is not parsed:  # re-read and re-counted only when the log grew
                parsed = text
                ready = bool(RE_READY.search(text))
                done = len(RE_TASK_DONE.findall(text))
                exits, kills = len(RE_EXIT.findall(text)), text.count(RE_UP_TIMEOUT)
            alive = worker.poll() is None
            if ready and ready_at is None:
                ready_at = now
            if cl is not None:
                if cl.proc is None and ready and alive:
                    cl.proc = spawn([str(env_.python), f"{CLIENT_MODULE}.py"], env=env, cwd=tmp, log_path=clog)
                    cl.started = now
                cl.watch(now, text)
            if meas is not None and ready and alive and now - ready_at >= 1.0:
                meas.step(app, text)
            if start_lock is not None and (ready or not alive):
                start_lock.release()
                start_lock = None
            if sc.tasks and sent_at is None and ready:
                # one failing task then one ping: two child recycles (--max-tasks-per-child=1)
                app.send_task("celint_rt.fail")
                app.send_task("celint_rt.ping")
                sent_at = now
            if sc.own and not sc.side_by_side and sent_at is None and ready:
                for name in queue_:
                    app.send_task(name)
                sent_at = now
            if (rounds and ready and sent_rounds < len(rounds) and done >= sent_rounds * sc.side_by_side
                    and len(set(RE_CHILD_UP.findall(text))) >= sc.pool_size):
                sent_rounds += 1
                for i, name in enumerate(rounds[sent_rounds - 1]):
                    app.send_task(name, task_id=f"celint-rt-r{sent_rounds}-{i}-{uuid.uuid4()}")
                sent_at = now if sent_at is None else sent_at
            if sc.own and done >= total:
                break  # every task ran: nothing more to see
            if cl is not None and cl.settled(now) and (meas is None or meas.over) and now >= 5.0:
                break  # the client ran, and so did every task it sent: nothing more to see
            if bystander_exited_at is None and bystander.poll() is not None:
                bystander_exited_at = now
            if exited_at is None and not alive:
                exited_at = now
            # the bystander got the broadcast and is on its way out: see it exit
            bystander_stopping = RE_REMOTE in btext and bystander_exited_at is None
            if exited_at is not None and (bystander_exited_at is not None or (
                    now - exited_at >= GRACE_AFTER_EXIT and not bystander_stopping)):
                break
            if exits >= LOOP_EVENTS or kills >= LOOP_EVENTS:
                break
            if now >= ctx.args.budget and alive and not ready and pinged is None and now - pinged_at >= 3.0:
                # never "ready.": is it up all the same (answering remote control), with no logs?
                pinged_at = now
                pinged = answered_ping(app)
            if now >= ctx.args.budget:
                # Past the budget, watch on (up to EXTRA_WATCH) while something is under way: a
                # single child exit or SIGKILL (a loop needs two; a recycle takes a few seconds),
                # tasks sent or to send and not all run, start-up or a warm shutdown not finished,
                # a client or a measurement not done.
                looping = exits >= 2 or kills >= 2
                under_way = bystander_stopping or alive and (
                    (not ready and pinged is None)
                    or (not looping and cl is not None and not cl.settled(now))
                    or (not looping and meas is not None and not meas.over)
                    or (not looping and (exits == 1 or kills == 1))
                    or (not looping and sc.tasks and done < 2)
                    or (not looping and sc.own and done < total)
                    or "Warm shutdown" in text or RE_REMOTE in text)
                if not under_way or now >= ctx.args.budget + EXTRA_WATCH:
                    break
            time.sleep(0.02 if meas is not None and not meas.over else 0.2)
        end = time.monotonic() - t0
        rc = worker.poll()
        brc = bystander.poll()
        # What happened while it was watched: the logs before the harness stops the workers
        # (children stuck on a shared connection exit with 15 on SIGTERM, which is not theirs).
        wtext, btext = read(wlog), read(blog)
        if cl is not None and cl.proc is not None:
            if cl.proc.poll() is None:
                stop_group(cl.proc, term_wait=2.0)
            cl.text = read(clog)
        stop_group(worker)
        stop_group(bystander)
        extra = Extra(client=cl, measure=meas, pinged=pinged)
        observed, evidence = classify(sc, wtext, btext, rc, exited_at, brc,
                                      bystander_exited_at, end, sent_at, extra)
        if observed in ("handler ran", "handler never completed") and expected == "kept running":
            observed = "kept running"  # the finer class meets the coarser expectation (docstring)
        hits = ctx.flags.hits.get(tag)
        if hits:
            evidence += f"; flag server hit {hits}x"
        missed, held = precondition(sc, wtext, sent_rounds, len(rounds))
        if not missed and observed == "unclassified":
            missed = shutdown_hang(wtext, rc)
        bad_transport = check_transport(wtext, broker_name, url)
        if bad_transport:
            observed, evidence = "error", bad_transport
        elif missed:
            # Not evidence either way: what was seen goes in the evidence column, for the record.
            observed, evidence = f"not run: {missed}", f"(it did: {observed}; {evidence})"
        elif held:
            evidence += f"; {held}"
        return Result(sc, broker_name, expected, observed, evidence, observed == expected,
                      time.monotonic() - t_start, missed if not bad_transport else "")
    except SetupError as e:
        return Result(sc, broker_name, expected, "error", str(e), False, time.monotonic() - t_start)
    finally:
        if start_lock is not None:
            start_lock.release()
        for p in (cl.proc if cl is not None else None, worker, bystander):
            if p is not None:
                stop_group(p, term_wait=2.0)
        if app is not None:
            app.close()
        try:
            broker.release(handle)
        except Exception as e:  # noqa: BLE001
            print(f"runtime: releasing {broker.where(handle)}: {e}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


def precondition(sc: Scenario, wtext: str, sent_rounds: int, rounds: int) -> tuple:
    """Whether what the scenario's claim rests on happened in this run: (why not, "") or ("", what
    held). Checked from the worker's log: each task in a fresh child (--max-tasks-per-child=1), the
    side-by-side rounds (celint_rt_tasks.py's lines), and the side of the start-up check the first
    child's exit landed on. Only what the scheduling decides is a precondition; what the example
    does (a child lost, a task failed, the worker stopped) is the outcome and is classified."""
    held = []
    by = [(proc, name) for proc, name in RE_TASK_BY.findall(wtext) if proc.startswith("ForkPoolWorker")]
    if sc.fresh_children and (sc.own or sc.tasks) and by:
        procs = [proc for proc, _ in by]
        again = sorted({p for p in procs if procs.count(p) > 1})
        if again:
            return (f"not each task in a fresh child: {len(procs)} tasks ran in {len(set(procs))} children "
                    f"({again[0]} ran {procs.count(again[0])})"), ""
        if len(procs) > 1:
            held.append(f"{len(procs)} tasks, each in a fresh child")
    if sc.side_by_side:
        n = sc.side_by_side
        alone = RE_ALONE.findall(wtext)
        if alone:
            r, pid, waited = alone[0]
            others = "another child" if n == 2 else f"{n - 1} other children"
            return (f"round {r}: the task in child {pid} waited {waited} s for {others} to start one "
                    "too (not side by side)"), ""
        met = {}
        for r, pids in RE_TOGETHER.findall(wtext):
            met.setdefault(r, set()).update(int(p) for p in pids.split(","))
        full = [r for r, pids in met.items() if len(pids) >= n]
        lost = RE_EXIT.search(wtext) or RE_UP_TIMEOUT in wtext or "WorkerLostError" in wtext
        if sent_rounds == 0 and RE_READY.search(wtext) and not lost:
            up = len(set(RE_CHILD_UP.findall(wtext)))
            return f"only {up} of the pool's {sc.pool_size} children came up in time to send tasks", ""
        if sent_rounds and len(full) < sent_rounds and not lost:
            return f"{len(full)} of {sent_rounds} rounds of tasks started side by side in {n} children", ""
        if full:
            pids = sorted(set().union(*(met[r] for r in full)))
            held.append(f"{len(full)} of {rounds} rounds of {n} tasks side by side (children {pids})")
    if sc.exit_race:
        lost_start = RE_LOST_START in wtext
        if sc.exit_race == "after" and lost_start:
            return ("the first child's exit landed before the worker's start-up check "
                    f"('{RE_LOST_START}'): the start-up race went the other way"), ""
        if sc.exit_race == "before" and RE_EXIT.search(wtext) and not lost_start:
            return ("the first child's exit landed after the worker's start-up check "
                    f"(no '{RE_LOST_START}'): the start-up race went the other way"), ""
        if RE_EXIT.search(wtext):
            held.append(f"the first child's exit landed {sc.exit_race} the start-up check")
    return "", "; ".join(held)


def shutdown_hang(wtext: str, rc) -> str:
    """Why a run that is otherwise unclassified proves nothing, if its worker began a warm shutdown and
    never ended it while a task it had received never ran: with `-c 1 --max-tasks-per-child=1` that
    task waits for a child to replace the one that just exited, and a shutdown that comes meanwhile
    can wait for it forever (Celery 5.3-5.6 on RabbitMQ: 11 of 60 runs of CEL007's rows, where the
    harness sends a second task right after a failing one). The harness's recycling, not the code
    under test: it is run again (ATTEMPTS)."""
    if rc is not None or ("Warm shutdown" not in wtext and RE_REMOTE not in wtext):
        return ""
    received = {next(g for g in m if g) for m in RE_RECEIVED.findall(wtext)}
    ended = {next(g for g in m if g) for m in RE_TASK_ENDED.findall(wtext)}
    waiting = received - ended
    if not waiting:
        return ""
    return (f"the worker's warm shutdown never ended, waiting on {len(waiting)} task(s) it had received and no "
            "pool child ran (its child had just exited under --max-tasks-per-child=1)")


def check_transport(text: str, broker_name: str, url: str) -> str:
    """The banner must show the broker the harness chose (Celery reads CELERY_BROKER_URL itself,
    ahead of the example's `Celery(broker=...)`)."""
    m = re.search(r"\.> transport:\s+(\S+)", text)
    if not m:
        return ""
    shown = m[1]
    scheme = "redis://" if broker_name == "redis" else "amqp://"
    tail = url.rsplit("@", 1)[-1] if "@" in url else url.split("://", 1)[1]
    if not shown.startswith(scheme) or not shown.endswith(tail):
        return f"worker used {shown}, not {url}"
    return ""


def classify(sc, wtext, btext, rc, exited_at, brc, b_exited_at, end, sent_at, extra=None):
    """Exactly one class from the evidence; the second value says which evidence."""
    extra = extra or Extra()
    exits = RE_EXIT.findall(wtext)
    kills = wtext.count(RE_UP_TIMEOUT)
    ready = bool(RE_READY.search(wtext))
    done = RE_TASK_DONE.findall(wtext)
    markers = sc.markers
    # what the handlers printed: in the worker, and in the client program (a producer's handlers);
    # not the source lines a traceback quotes (`    print("...", sender.request.id)` where it raised)
    htext = wtext + ("\n" + extra.client.text if extra.client is not None else "")
    htext = "\n".join(line for line in htext.splitlines() if not RE_QUOTED_SOURCE.match(line))
    seen = [m for m in markers if m in htext]

    def me() -> str:
        if rc is None:
            return f"worker alive at {end:.0f}s"
        if "Warm shutdown" in wtext or RE_REMOTE in wtext:
            why = "'Got shutdown from remote'" if RE_REMOTE in wtext else "'Warm shutdown'"
            return f"worker {why}, exit {rc} at {exited_at:.1f}s"
        return f"worker exit {rc} at {exited_at:.1f}s"

    if RE_VALUEERROR in wtext and rc not in (None, 0):
        return "ValueError at import", f"'{RE_VALUEERROR}', exit {rc}"
    if RE_REMOTE in btext and brc is not None:
        ev = f"bystander 'Got shutdown from remote' at {b_exited_at:.1f}s; {me()}"
        if rc is not None and sc.tasks:
            ev += " (after its first task)" if done else " (before its first task)"
        return "cluster-wide shutdown", ev
    if kills >= 2:
        return "SIGKILL loop", f"{kills}x '{RE_UP_TIMEOUT}'; {len(exits)}x exitcode!=0; {me()}"
    if len(exits) >= 2 and rc is None:
        return "exit loop", f"{len(exits)}x \"exited with 'exitcode {exits[0]}'\"; {me()}"
    if rc is not None:
        if rc == 0:
            return "stopped cleanly", me() + ("" if ready else ", before 'ready.'")
        what = []
        if "WorkerLostError" in wtext:
            what.append("WorkerLostError")
        if exits:
            what.append(f"{len(exits)}x exitcode {exits[0]}")
        what.append(me() + ("" if ready else ", before 'ready.'"))
        raised = re.findall(r"^(\w+(?:Error|Exception|Exit)): (.+)$", wtext, re.M)
        if raised:
            what.append(f"last exception {raised[-1][0]}: {raised[-1][1].strip()[:80]}")
        return "startup error", "; ".join(what)
    # alive at the deadline, no loop
    if not ready:
        if extra.pinged:
            records = len(RE_LOG_RECORD.findall(wtext))
            return "running without logs", (f"'ready.' never logged, {records} log records; answered a ping "
                                            f"as {extra.pinged}; {me()}")
        return "unclassified", f"alive at {end:.0f}s but never 'ready.'"
    if sc.tasks and len(done) < 2:
        return "unclassified", f"alive and ready, but only {len(done)} of 2 tasks ran" + (
            f" (sent at {sent_at:.1f}s)" if sent_at is not None else " (none sent)")
    if sc.own:
        want = len(sc.own) * sc.runs
        if len(done) < want:
            return "unclassified", f"alive and ready, but only {len(done)} of {want} tasks ran"
        raised = RE_TASK_RAISED.findall(wtext)
        if raised:
            return "tasks failed", (f"{len(raised)} of {want} tasks raised, first: "
                                    f"{raised[0].strip()[:110]}; {me()}")
    if kills or exits:
        return "unclassified", f"alive, {kills} SIGKILL(s), {len(exits)} child exit(s)"
    cl, meas = extra.client, extra.measure
    if cl is not None:
        if cl.rc != 0:
            return "unclassified", f"the client program did not exit 0 ({cl.evidence()}): {cl.text.strip()[-200:]!r}"
        if cl.ended_at is None:
            return "unclassified", f"{cl.evidence()}, but the worker did not end every task it received"
    if meas is not None and len(meas.seconds) < MEASURE_TASKS:
        return "unclassified", f"only {len(meas.seconds)} of {MEASURE_TASKS} round-trips: {meas.why or 'too slow'}"
    if sc.tasks or sc.own or meas is not None:
        ran = f"{len(done)} tasks ran"
    elif cl is not None:
        ran = f"the worker received {cl.received} tasks from the client, all ended; {cl.evidence()}"
    else:
        ran = "no tasks sent"
    missing = [c for c in sc.controls if c not in htext]
    if missing:
        return "unclassified", f"control {missing[0]!r} not in the log: the signal was not shown to be sent"
    controls = f"; control {sc.controls[0]!r} logged" if sc.controls else ""
    raised = re.search(r"Signal handler .*? raised: (\w+)", wtext)
    raised = (f"; 'Signal handler ... raised: {raised[1]}' logged" if raised
              else "; 'Signal handler' logged" if "Signal handler" in wtext else "")
    figures = f"; {meas.evidence()}" if meas is not None else ""
    if meas is not None and len(meas.stalls) >= STALL_COUNT:
        return "dispatch stalls", f"{meas.evidence()}; {me()}{controls}{raised}"
    if markers and not seen:
        return "handler never called", f"no {markers[0]!r} in the log; {ran}; {me()}{controls}{raised}{figures}"
    half = [(f, ms) for f, ms in sc.function_markers if ms[0] in htext and ms[-1] not in htext]
    if half:
        f, ms = half[0]
        return "handler never completed", (f"{f}() printed {ms[0]!r} but never {ms[-1]!r}; {ran}; {me()}"
                                           f"{controls}{raised}{figures}")
    ev = f"{me()}, {ran}, no child lost"
    if seen:
        ev += f"; handler printed {seen[0]!r}" + (f" and {len(seen) - 1} more" if len(seen) > 1 else "")
    ev += controls + raised + figures
    if markers and len(seen) == len(markers):
        if sc.task_id_check:
            ids = set(RE_TASK_ID.findall(wtext))
            lines = [ln.strip() for ln in printed_lines(htext, sc.continued_markers) if any(m in ln for m in markers)]
            bare = [ln for ln in lines if not any(i in ln for i in ids)]
            if not ids:
                return "unclassified", f"the worker logged no task id to look for; {ev}"
            if bare:
                return "handler ran without the task id", (f"{len(bare)} of {len(lines)} lines the handlers "
                                                           f"printed hold no task id, first: {bare[0][:80]!r}; {ev}")
            ev += f"; each of the {len(lines)} lines the handlers printed holds a task id"
        return "handler ran", ev
    return "kept running", ev


# ------------------------------------------------------------------------------------------------
# celint itself: the check of the extra scenarios (the documents' examples are checked by cargo
# test), and the autofix scenarios
# ------------------------------------------------------------------------------------------------


def cargo_target() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return target if target.is_absolute() else ROOT / target


def celint_binary():
    target = cargo_target()
    for p in (target / "debug" / "celint", target / "release" / "celint"):
        if p.exists():
            return p
    if shutil.which("cargo"):
        r = subprocess.run(["cargo", "build", "-q"], cwd=ROOT, stdin=subprocess.DEVNULL)
        p = target / "debug" / "celint"
        if r.returncode == 0 and p.exists():
            return p
    return None


def check_extra_with_celint(scenarios, binary=None) -> list:
    problems = []
    extras = [s for s in scenarios if s.celint_codes is not None]
    if not extras:
        return problems
    binary = binary or celint_binary()
    if binary is None:
        return ["celint binary not found (cargo build) to check tests/runtime/scenarios/*.py"]
    for sc in extras:
        # A scenario is a project of its own, as the worker runs it: linted in place, celint
        # would take this repository for its project and every fixture's settings with it.
        # A scenario of several files (`# file: NAME.py`) is written out as the worker gets it and
        # linted as a directory, with a Procfile of its `# Procfile:` lines (the worker's command
        # line, for what celint reads from deployment files).
        alone = RUN_TMP / "celint-check" / Path(sc.origin).stem
        alone.mkdir(parents=True, exist_ok=True)
        if len(sc.files) > 1 or sc.procfile:
            for module, text in sc.files:
                (alone / f"{module}.py").write_text(text)
            if sc.procfile:
                (alone / "Procfile").write_text("".join(f"{line}\n" for line in sc.procfile))
            target = "."
        else:
            shutil.copy(ROOT / sc.origin, alone / Path(sc.origin).name)
            target = Path(sc.origin).name
        r = subprocess.run([str(binary), "--isolated", "--output-format", "concise", target],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=alone)
        got = sorted(set(re.findall(r":\d+:\d+: (CEL\d{3}) ", r.stdout)))
        if r.returncode not in (0, 1):
            problems.append(f"{sc.origin}: celint exited {r.returncode}: {r.stderr.strip()[:200]}")
        elif got != sc.celint_codes:
            problems.append(f"{sc.origin}: celint reports {got or 'nothing'}, header says {sc.celint_codes}")
    return problems


def build_celint_release() -> Path:
    """`cargo build --release` once per harness run: the autofix scenarios use this binary, so the
    fixes tested are those of the source tree being tested, not of a stale build."""
    if not shutil.which("cargo"):
        raise SetupError("autofix scenarios need celint: `cargo` is not on PATH (or run with --no-autofix)")
    target = cargo_target()
    print("runtime: building celint for the autofix scenarios (cargo build --release)", flush=True)
    t0 = time.monotonic()
    r = subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "celint"], cwd=ROOT,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    binary = target / "release" / "celint"
    if r.returncode != 0 or not binary.exists():
        tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-25:])
        raise SetupError(f"`cargo build --release` failed (exit {r.returncode}); the autofix scenarios "
                         f"cannot run:\n{tail}")
    print(f"runtime: built {binary} in {time.monotonic() - t0:.0f} s", flush=True)
    return binary


def run_celint(binary: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), "--isolated", *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def fixable_codes(binary: Path, path: Path) -> tuple:
    """The codes of the findings on `path` whose fix has edits it applies (celint --output-format json), and
    an error message if celint could not say."""
    r = run_celint(binary, "--output-format", "json", path)
    if r.returncode not in (0, 1):
        return set(), f"celint --output-format json exited {r.returncode}: {r.stderr.strip()[:300]}"
    try:
        findings = json.loads(r.stdout)
    except ValueError as e:
        return set(), f"celint --output-format json: not JSON ({e}): {r.stdout[:200]!r}"
    # A display-only fix's edits are shown, never applied: no autofix scenario for it.
    return {f["code"] for f in findings
            if ((f.get("fix") or {}).get("edits") or [])
            and (f.get("fix") or {}).get("applicability") != "display-only"}, ""


def autofix_scenarios(binary: Path, scenarios: list, workdir: Path) -> list:
    """For each selected rule whose document's Example gets a fix with edits from celint, a
    scenario "autofix": the Example after `celint --fix --unsafe-fixes --select <rule>`, run like
    the "Use instead" block and expected to do what the document says the "Use instead" block
    does. The checks on the way (celint exits 0 or 1, the file changed, the finding is gone)
    make the row an error if they fail."""
    out = []
    fixed_of = {s.rule: s for s in scenarios if s.label == "fixed"}
    for ex in [s for s in scenarios if s.label == "example"]:
        fixed = fixed_of.get(ex.rule)
        if fixed is None:
            continue
        path = workdir / f"{ex.rule.lower()}_autofix.py"
        origin = f"celint --fix --unsafe-fixes --select {ex.rule} on {ex.origin}"

        def row(source: str, error: str = "") -> Scenario:
            return Scenario(ex.rule, "autofix", f"{ex.rule.lower()}_autofix", source, dict(fixed.expected),
                            origin, tasks=fixed.tasks, error=error, measure=fixed.measure,
                            task_id_check=fixed.task_id_check, pool_args=fixed.pool_args,
                            by_version=list(fixed.by_version))

        if len(ex.files) > 1:
            # An Example of several files: written out as the worker gets them, fixed as a directory,
            # and put back together in the same `# file:` order.
            several = workdir / f"{ex.rule.lower()}_files"
            several.mkdir()
            for module, text in ex.files:
                (several / f"{module}.py").write_text(text)
            codes, err = fixable_codes(binary, several)
            if err:
                out.append(row(ex.source, f"asking celint for fixes on the Example: {err}"))
                continue
            if ex.rule not in codes:
                continue
            r = run_celint(binary, "--fix", "--unsafe-fixes", "--select", ex.rule, several)
            after = "".join((several / f"{module}.py").read_text() for module, _ in ex.files)
            fixed_row = row(after)
            fixed_row.module = ex.files[0][0]
            if r.returncode not in (0, 1):
                fixed_row.error = f"celint --fix exited {r.returncode}: {(r.stderr or r.stdout).strip()[:300]}"
            elif after == ex.source:
                fixed_row.error = (f"celint --fix (exit {r.returncode}) left the Example unchanged: "
                                   f"{(r.stdout + r.stderr).strip()[:300]}")
            else:
                r2 = run_celint(binary, "--select", ex.rule, "--output-format", "json", several)
                try:
                    remaining = json.loads(r2.stdout)
                except ValueError:
                    remaining = None
                if r2.returncode not in (0, 1) or remaining != []:
                    fixed_row.error = (f"after the fix celint still reports {ex.rule} (exit {r2.returncode}): "
                                       f"{(r2.stdout or r2.stderr).strip()[:300]}")
            out.append(fixed_row)
            continue
        path.write_text(ex.source)
        codes, err = fixable_codes(binary, path)
        if err:
            out.append(row(ex.source, f"asking celint for fixes on the Example: {err}"))
            continue
        if ex.rule not in codes:
            continue  # display-only (or no) fix for this rule: no autofix row
        r = run_celint(binary, "--fix", "--unsafe-fixes", "--select", ex.rule, path)
        after = path.read_text()
        if r.returncode not in (0, 1):
            out.append(row(after, f"celint --fix exited {r.returncode}: {(r.stderr or r.stdout).strip()[:300]}"))
            continue
        if after == ex.source:
            out.append(row(after, f"celint --fix (exit {r.returncode}) left the Example unchanged: "
                                  f"{(r.stdout + r.stderr).strip()[:300]}"))
            continue
        r2 = run_celint(binary, "--select", ex.rule, "--output-format", "json", path)
        try:
            remaining = json.loads(r2.stdout)
        except ValueError:
            remaining = None
        if r2.returncode not in (0, 1) or remaining != []:
            out.append(row(after, f"after the fix celint still reports {ex.rule} (exit {r2.returncode}): "
                                  f"{(r2.stdout or r2.stderr).strip()[:300]}"))
            continue
        out.append(row(after))
    return out


# ------------------------------------------------------------------------------------------------
# Main (inside the venv)
# ------------------------------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[], metavar="CELnnn[,CELnnn]",
                    help="run only these rules (repeatable, comma-separated)")
    ap.add_argument("--broker", choices=["both", "redis", "amqp", "rabbitmq"], default="both")
    ap.add_argument("--expect-override", action="append", default=[], metavar="RULE:EXAMPLE[:BROKER]=CLASS",
                    help='replace an expectation, e.g. CEL002:fixed:redis="kept running" '
                         "(EXAMPLE: example, fixed, autofix or a scenario file stem; BROKER: redis, amqp "
                         "or omitted)")
    ap.add_argument("--no-autofix", action="store_true",
                    help="skip the autofix scenarios (and the `cargo build --release` they need)")
    ap.add_argument("--jobs", type=int, default=5, help="scenarios run at a time (default 5)")
    ap.add_argument("--budget", type=float, default=18.0,
                    help="seconds a worker is watched before it is stopped (default 18)")
    ap.add_argument("--amqp-isolation", choices=["auto", "vhost", "names"], default="auto",
                    help="a RabbitMQ vhost per scenario (needs rabbitmqctl), or names on vhost / ")
    ap.add_argument("--logs", default=str(ROOT / "target" / "runtime-logs"),
                    help="where the worker logs of this run go (the previous run's are deleted)")
    ap.add_argument("--loglevel", default="info", choices=["info", "debug"],
                    help="the example worker's log level (debug to investigate; classes need info or lower)")
    ap.add_argument("--list", action="store_true", help="print the scenarios and expectations, run nothing")
    ap.add_argument("--celint", default="", metavar="PATH",
                    help="the celint binary that checks the scenarios' `# celint reports:` lines and makes the "
                         "autofix rows (default: target/debug/celint or target/release/celint under "
                         "CARGO_TARGET_DIR, built with cargo if missing; --release for the autofix rows)")
    ap.add_argument("--venv", default="", metavar="DIR",
                    help="run in this venv instead of the pinned one (another Celery version; needs celery "
                         "and redis in it); the pin check is skipped")
    ap.add_argument("--celery", default="", metavar="X.Y[,X.Y]|all",
                    help=f"the Celery versions the rows run on, each in its pinned venv, side by side "
                         f"(default {NEWEST}; all: {', '.join(VERSIONS)})")
    ap.add_argument("--matrix", action="store_true",
                    help=f"every version: the full set on {NEWEST}, the rule documents' Example and Use instead "
                         "blocks on the others (what CI runs)")
    ap.add_argument("--examples-only", action="store_true",
                    help="only the rule documents' Example and Use instead blocks (no scenarios, no autofix rows), "
                         "on every version run")
    ap.add_argument("--old-broker", choices=["both", "redis", "amqp", "rabbitmq"], default="both",
                    help=f"the brokers of the versions other than {NEWEST} (default: both)")
    ap.add_argument("--old-blocks", choices=["both", "example"], default="both",
                    help=f"which rule-document blocks the versions other than {NEWEST} run when they run the blocks only "
                         "(--matrix, --examples-only): Example and Use instead (default), or the Examples alone")
    ap.add_argument("--build-only", action="store_true", help="build the venvs of the versions asked for, run nothing")
    ap.add_argument("--celint-wait", type=float, default=0.0, metavar="SECONDS",
                    help="with --celint PATH not built yet: run the rows that do not need it, and wait up to SECONDS "
                         "for it before the autofix rows and the scenarios' celint check (CI builds it meanwhile)")
    args = ap.parse_args(argv)
    args.only = [c.strip().upper() for o in args.only for c in o.split(",") if c.strip()]
    if args.venv and (args.celery or args.matrix):
        ap.error("--venv runs the one Celery of that venv: not with --celery or --matrix")
    if args.matrix and args.celery:
        ap.error("--matrix runs every version: not with --celery")
    celery = VERSIONS if args.matrix or args.celery == "all" else [
        c.strip() for c in (args.celery or NEWEST).split(",") if c.strip()]
    unknown = [c for c in celery if c not in VERSIONS]
    if unknown:
        ap.error(f"--celery {args.celery}: unknown {', '.join(unknown)} (one of {', '.join(VERSIONS)}, or all)")
    args.celery = sorted(set(celery), key=vkey)
    # the versions that run the full set (the others run the rule documents' blocks only)
    args.full = set() if args.examples_only else {NEWEST} if args.matrix else set(args.celery)
    args.old_broker = {"both": BROKERS, "rabbitmq": ["amqp"]}.get(args.old_broker, [args.old_broker])
    args.broker = {"both": BROKERS, "rabbitmq": ["amqp"]}.get(args.broker, [args.broker])
    overrides = []
    for o in args.expect_override:
        m = re.fullmatch(r"(CEL\d{3}):([\w-]+)(?::(redis|amqp|rabbitmq))?=(.+)", o.strip())
        if not m or m[4].strip().strip("\"'") not in CLASSES:
            ap.error(f"--expect-override {o!r}: want RULE:EXAMPLE[:BROKER]=CLASS, CLASS one of {CLASSES}")
        overrides.append((m[1], m[2], {"rabbitmq": "amqp"}.get(m[3], m[3]), m[4].strip().strip("\"'")))
    args.overrides = overrides
    return args


def table(rows, headers) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def installed_versions(python: Path) -> tuple:
    """The versions of the packages the table shows, installed for `python`, and its Python version."""
    code = ("import json, sys\nfrom importlib.metadata import version\n"
            "print(json.dumps([{p: version(p) for p in ('celery', 'kombu', 'billiard', 'redis', 'amqp')},"
            " sys.version.split()[0]]))")
    r = subprocess.run([str(python), "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=120)
    if r.returncode != 0:
        raise SetupError(f"{python}: cannot read its installed versions: {r.stderr.strip()[-300:]}")
    versions, py = json.loads(r.stdout)
    return versions, py


def celery_envs(args, logdir: Path) -> tuple:
    """The Celerys the rows run on (Env, oldest first) and {version: why not run} for those asked for
    whose venv could not be built on this machine."""
    if args.venv:
        from importlib.metadata import version as installed

        name = ".".join(installed("celery").split(".")[:2])
        envs = [Env(name, Path(sys.prefix))]
        skipped = {}
    else:
        venvs = json.loads(os.environ.get(VENVS_ENV) or json.dumps({NEWEST: sys.prefix}))
        skipped = json.loads(os.environ.get(SKIPPED_ENV) or "{}")
        envs = [Env(v, Path(venvs[v])) for v in args.celery if v in venvs]
        skipped = {v: why for v, why in skipped.items() if v in args.celery}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(envs))) as pool:
        found = list(pool.map(lambda e: installed_versions(e.python), envs))
    for e, (versions, py) in zip(envs, found):
        e.versions, e.python_version = versions, py
        e.full = args.venv != "" or e.name in args.full
        e.logdir = logdir / f"celery-{e.name}"
        if args.venv:
            continue
        pinned = dict(re.findall(r"^([\w-]+)==(\S+)", pin_file(e.name).read_text(), re.M))
        drift = [f"{p} {v} (pinned {pinned.get(p)})" for p, v in versions.items() if pinned.get(p) != v]
        if drift:
            raise SetupError(f"venv {e.venv} does not match {pin_file(e.name).relative_to(ROOT)}: {drift}; "
                             f"delete it")
    if args.venv:
        print(f"runtime: --venv {args.venv}: Celery {envs[0].name} ({envs[0].describe()})")
    return envs, skipped


def main(argv) -> int:
    args = parse_args(argv)
    for k in list(os.environ):  # the harness's own client apps must not pick these up
        if k.startswith(("CELERY_", "CELERYD_")):
            del os.environ[k]
    try:
        scenarios = load_scenarios()
    except SetupError as e:
        print(f"runtime: {e}", file=sys.stderr)
        return 2
    if args.only:
        unknown = set(args.only) - set(RULES)
        if unknown:
            print(f"runtime: --only: unknown rule(s) {sorted(unknown)}", file=sys.stderr)
            return 2
        scenarios = [s for s in scenarios if s.rule in args.only]
    logdir = Path(args.logs)
    try:
        envs, skipped = celery_envs(args, logdir)
    except (SetupError, OSError, subprocess.SubprocessError, ValueError) as e:
        print(f"runtime: {e}", file=sys.stderr)
        return 2

    # The autofix scenarios: celint (built from this tree) fixes each document's Example; a row for
    # each rule whose fix has edits, right after that rule's "fixed" row. Run by the versions that run
    # the full set.
    # With --celint-wait, a binary that is not there yet is waited for while the rows that do not
    # need it run (CI starts the proof while it builds celint); then the autofix rows are added.
    binary = Path(args.celint).resolve() if args.celint else None
    full = any(e.full for e in envs)
    wants_autofix = not args.no_autofix and full and any(s.label == "example" for s in scenarios)
    deferred = binary is not None and not binary.exists() and args.celint_wait > 0 and full and not args.list
    if binary is not None and not binary.exists() and not deferred and (full or args.list):
        print(f"runtime: --celint {args.celint}: no such file", file=sys.stderr)
        return 2

    def make_autofix(binary: Path) -> list:
        with tempfile.TemporaryDirectory(prefix="celint-autofix-") as d:
            autofix = autofix_scenarios(binary, scenarios, Path(d))
        for a in autofix:
            at = next(i for i, s in enumerate(scenarios) if s.rule == a.rule and s.label == "fixed")
            scenarios.insert(at + 1, a)
        print("runtime: autofix scenarios: " + (", ".join(a.rule for a in autofix) or "none"), flush=True)
        return autofix

    if wants_autofix and not deferred:
        try:
            binary = binary or build_celint_release()
            make_autofix(binary)
        except (SetupError, OSError, subprocess.SubprocessError) as e:
            print(f"runtime: {e}", file=sys.stderr)
            return 2

    overrides = {}
    for rule, label, broker, cls in args.overrides:
        if label != "autofix" and not any(s.rule == rule and s.label == label for s in scenarios):
            print(f"runtime: --expect-override: no scenario {rule}:{label}", file=sys.stderr)
            return 2
        for b in ([broker] if broker else BROKERS):
            overrides[(rule, label, b)] = cls

    def scope_of(e: Env) -> str:
        if e.full:
            return "the full set"
        if args.old_blocks == "example" and e.name != NEWEST:
            return "the rule documents' Example blocks"
        return "the rule documents' Example and Use instead blocks"

    def expected(s: Scenario, e: Env, b: str) -> str:
        return overrides.get((s.rule, s.label, b)) or s.expected_on(e.name)[b]

    # The jobs of each version: its rows (the full set, or the documents' blocks) on its brokers.
    def brokers_of(e: Env) -> list:
        return args.broker if e.name == NEWEST or args.venv else [b for b in args.broker if b in args.old_broker]

    per_env = {}
    for e in envs:
        blocks = ("example",) if args.old_blocks == "example" and e.name != NEWEST else ("example", "fixed")
        rows = scenarios if e.full else [s for s in scenarios if s.label in blocks]
        per_env[e.name] = [(s, b, e) for s in rows for b in brokers_of(e)]
    jobs = [j for e in envs for j in per_env[e.name]]
    if args.list:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        print(table([[e.name, s.rule, s.label, b, expected(s, e, b), s.origin] for s, b, e in jobs],
                    ["celery", "rule", "example", "broker", "expected", "from"]))
        for v, why in skipped.items():
            print(f"runtime: Celery {v}: not run: {why}")
        return 0

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    atexit.register(cleanup_all)

    # One harness at a time on this machine (they would share Redis databases); then any process
    # still tagged by an earlier run is a stray of a harness that was killed: stop it.
    lock = open(Path(tempfile.gettempdir()) / "celint-runtime.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("runtime: another run holds the lock; waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    for pid, cmd in leftovers(""):
        print(f"runtime: stopping a stray process of an earlier run: {pid} {cmd}", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for stale in Path(tempfile.gettempdir()).glob("celint-rt-*"):
        shutil.rmtree(stale, ignore_errors=True)
    RUN_TMP.mkdir()
    _cleanups.insert(0, lambda: shutil.rmtree(RUN_TMP, ignore_errors=True))

    import celery  # noqa: F401 - celery's lazy module is not safe to import first from threads
    from celery import Celery  # noqa: F401
    from kombu import Connection  # noqa: F401

    for e in envs:
        print(f"runtime: Celery {e.name}: {e.describe()} ({e.venv}); "
              + scope_of(e))
    for v, why in skipped.items():
        print(f"runtime: Celery {v}: not run: {why}")

    problems = check_extra_with_celint(scenarios, binary) if full and not deferred else []
    for p in problems:
        print(f"runtime: {p}", file=sys.stderr)
    later = queue.Queue()  # what the wait for celint gives: ("rows", autofix rows) or ("problem", text)

    def wait_for_celint() -> None:
        deadline = time.monotonic() + args.celint_wait
        while not binary.exists():
            if time.monotonic() > deadline or _stopping.is_set():
                later.put(("problem", f"--celint {args.celint}: not there after {args.celint_wait:.0f} s: no "
                                      "autofix rows, scenarios not checked with celint"))
                later.put(("done", None))
                return
            time.sleep(1.0)
        print(f"runtime: {binary} is there: checking the scenarios with it"
              + (", making the autofix rows" if wants_autofix else ""), flush=True)
        try:
            for p in check_extra_with_celint(scenarios, binary):
                later.put(("problem", p))
            if wants_autofix:
                later.put(("rows", make_autofix(binary)))
        except (SetupError, OSError, subprocess.SubprocessError) as e:
            later.put(("problem", f"the autofix rows: {e}"))
        later.put(("done", None))

    if deferred:
        print(f"runtime: waiting for {binary} (up to {args.celint_wait:.0f} s) while the rows that do not need it "
              "run", flush=True)
        threading.Thread(target=wait_for_celint, daemon=True).start()

    brokers = {}
    try:
        if "redis" in args.broker:
            servers = []
            if listening(REDIS_ADDR):
                servers.append((REDIS_ADDR[1], False))
            if shutil.which("redis-server") and (not servers or args.jobs > 15):
                # none listening, or more scenarios at a time than 15 databases: one of the harness's own
                servers.append((start_redis_server(), True))
            brokers["redis"] = (RedisBroker(servers) if servers else
                                f"not run: no broker on {REDIS_ADDR[0]}:{REDIS_ADDR[1]} and no redis-server")
        if "amqp" in args.broker:
            brokers["amqp"] = (AmqpBroker(args.amqp_isolation, min(16, max(4, args.jobs // 2)))
                               if listening(AMQP_ADDR)
                               else f"not run: no broker on {AMQP_ADDR[0]}:{AMQP_ADDR[1]}")
    except SetupError as e:
        print(f"runtime: {e}", file=sys.stderr)
        return 2
    for b in args.broker:
        print(f"runtime: {b}: {brokers[b] if isinstance(brokers[b], str) else brokers[b].note}")

    logdir.mkdir(parents=True, exist_ok=True)
    for old in [*logdir.glob("*.worker.log"), *logdir.glob("*.bystander.log"), *logdir.glob("*.client.log"),
                *logdir.glob("*-autofix.py"), *logdir.glob("celery-*/*")]:
        if old.is_file():
            old.unlink()
    for e in envs:
        e.logdir.mkdir(parents=True, exist_ok=True)
    for s in scenarios:  # what celint's fix made of each Example, to read next to the worker logs
        if s.label == "autofix":
            (logdir / f"{s.rule}-autofix.py").write_text(s.source)
    ctx = Ctx(args, brokers, FlagServer(), logdir)

    t0 = time.monotonic()
    several = len(envs) > 1
    print(f"runtime: {len(jobs)} runs" + (f" on {len(envs)} Celery versions" if several else "")
          + f", {args.jobs} at a time, {args.budget:.0f} s budget each; logs in {logdir}", flush=True)
    results = []
    reruns = []  # (scenario, broker, env, attempt, why): runs whose precondition did not happen
    # Every version's rows side by side: each version's list in order, the lists interleaved so that
    # each advances at the same pace; the start-up races (EXIT_RACE_FOR, `# Child exit:`) go last,
    # when fewer scenarios run.
    pace = {id(j): i / len(per_env[j[2].name]) for js in per_env.values() for i, j in enumerate(js)}
    submit_order = sorted(jobs, key=lambda j: (bool(j[0].exit_race), pace[id(j)]))
    waiting = deferred
    for s, b, e in [j for j in submit_order if j[0].skipped_on(j[2].name)]:
        results.append(Result(s, b, expected(s, e, b), f"skipped: {s.skipped_on(e.name)}", "", True, env=e,
                              skipped=True))
    submit_order = [j for j in submit_order if not j[0].skipped_on(j[2].name)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {pool.submit(run_one, s, b, ctx, expected(s, e, b), e): (s, b, e, 1) for s, b, e in submit_order}
        while futs or waiting:
            while waiting and not later.empty():
                kind, what = later.get()
                if kind == "done":
                    waiting = False
                elif kind == "problem":
                    problems.append(what)
                    print(f"runtime: {what}", file=sys.stderr, flush=True)
                else:
                    for a in what:
                        if a.label == "autofix":
                            (logdir / f"{a.rule}-autofix.py").write_text(a.source)
                    new = [(a, b, e) for e in envs if e.full for a in what for b in brokers_of(e)]
                    jobs.extend(new)
                    for s, b, e in new:
                        futs[pool.submit(run_one, s, b, ctx, expected(s, e, b), e)] = (s, b, e, 1)
            if not futs:
                time.sleep(0.5)
                continue
            finished, _ = concurrent.futures.wait(futs, timeout=1.0, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in finished:
                s, b, e, attempt = futs.pop(f)
                try:
                    r = f.result()
                except Exception as ex:  # noqa: BLE001 - a harness bug must show in the table
                    r = Result(s, b, expected(s, e, b), "error", f"{type(ex).__name__}: {ex}", False, env=e)
                where = f"{e.name} " if several else ""
                if r.missed and attempt < ATTEMPTS:
                    # Not evidence either way: keep its logs aside and run it again (at the back of
                    # the queue, when the machine is usually less busy).
                    base = e.logdir / f"{s.rule}-{s.label}-{b}"
                    for kind in ("worker", "bystander", "client"):
                        src = Path(f"{base}.{kind}.log")
                        if src.exists():
                            src.rename(f"{base}.attempt{attempt}.{kind}.log")
                    reruns.append((s, b, e, attempt, r.missed))
                    print(f"  re-run {where}{s.rule} {s.label} {b}: precondition not met ({r.missed}); attempt "
                          f"{attempt + 1} of {ATTEMPTS}", flush=True)
                    futs[pool.submit(run_one, s, b, ctx, expected(s, e, b), e)] = (s, b, e, attempt + 1)
                    continue
                if r.missed:
                    r.evidence = f"{attempt} attempts, the last: {r.evidence}"
                results.append(r)
                if not isinstance(brokers[b], str):
                    mark = "ok " if r.ok else "NOT RUN" if r.missed else "BAD"
                    print(f"  {mark} {where}{s.rule} {s.label} {b}: {r.observed} ({r.seconds:.0f}s)", flush=True)
    wall = time.monotonic() - t0

    cleanup_all()
    left = leftovers()
    for pid, cmd in left:
        print(f"runtime: LEFTOVER process {pid}: {cmd}", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    # in the order of the documents and scenarios (autofix rows after their rule's "fixed" row)
    place = {id(s): i for i, s in enumerate(scenarios)}
    results.sort(key=lambda r: (place.get(id(r.scenario), len(place)), BROKERS.index(r.broker)))

    def not_run(r) -> bool:
        return isinstance(brokers[r.broker], str) or bool(r.missed)

    lines = []
    for e in envs:
        mine = [r for r in results if r.env is e]
        rows = []
        for r in mine:
            okc = ("SKIPPED" if r.skipped else "NOT RUN" if not_run(r) else "ok" if r.ok
                   else "MISMATCH" if r.observed in CLASSES else "ERROR")
            rows.append([r.scenario.rule, r.scenario.label, r.broker, r.expected, r.observed, okc, r.evidence])
        print(f"\n== Celery {e.name}: {e.describe()}; "
              + scope_of(e))
        print(table(rows, ["rule", "example", "broker", "expected", "observed", "ok", "evidence"]))
        nr = [r for r in mine if not_run(r)]
        sk = [r for r in mine if r.skipped]
        bad = [r for r in mine if not r.ok and not not_run(r)]
        per_broker = "; ".join(
            f"{BROKER_TITLE[b]} {sum(1 for r in mine if r.broker == b and r.ok and not not_run(r) and not r.skipped)} of "
            f"{sum(1 for r in mine if r.broker == b and not r.skipped)}"
            for b in args.broker if any(r.broker == b for r in mine))
        lines.append(f"runtime: Celery {e.name}: {len(mine) - len(bad) - len(nr) - len(sk)} of {len(mine) - len(sk)} ok "
                     f"({per_broker}), {len(bad)} failed, {len(nr)} not run"
                     + (f", {len(sk)} skipped on this version (the reason in the table)" if sk else ""))
    for v, why in skipped.items():
        lines.append(f"runtime: Celery {v}: not run: {why}")

    not_run_all = [r for r in results if not_run(r)]
    bad_all = [r for r in results if not r.ok and not not_run(r)]
    if reruns:
        print()
        for s, b, e, attempt, why in reruns:
            print(f"runtime: re-ran {e.name + ' ' if several else ''}{s.rule} {s.label} {b} after attempt "
                  f"{attempt}: precondition not met: {why}")
    if any(r.missed for r in not_run_all):
        print()
        for r in not_run_all:
            if r.missed:
                print(f"runtime: NOT RUN {r.env.name + ' ' if several else ''}{r.scenario.rule} {r.scenario.label} "
                      f"{r.broker}: its precondition did not happen in {ATTEMPTS} attempts ({r.missed}); nothing was "
                      "proven either way")
    print()
    if several or skipped:
        print("\n".join(lines))
    skipped_all = [r for r in results if r.skipped]
    print(f"runtime: {len(results) - len(bad_all) - len(not_run_all) - len(skipped_all)} of "
          f"{len(results) - len(skipped_all)} ok, {len(bad_all)} failed, "
          f"{len(not_run_all)} not run ({sum(1 for r in not_run_all if r.missed)} precondition not met), "
          + (f"{len(skipped_all)} skipped on a version (`# Not run on Celery`), " if skipped_all else "")
          + f"{len(reruns)} re-runs, {len(left)} leftover processes, {len(problems)} scenario problems; "
          f"{wall:.0f} s")
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"runtime: CPU: the harness {me.ru_utime + me.ru_stime:.0f} s, what it started and waited for "
          f"{kids.ru_utime + kids.ru_stime:.0f} s")
    if bad_all or left or problems:
        return 1
    if not_run_all:
        return 3
    return 0

if __name__ == "__main__":
    if os.environ.get(IN_VENV_FLAG) != "1":
        bootstrap()
    sys.exit(main(sys.argv[1:]))
