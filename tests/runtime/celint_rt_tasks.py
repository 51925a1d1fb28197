"""Tasks the live-worker harness adds to every example worker (`celery worker -I celint_rt_tasks`).

With `-c 1 --max-tasks-per-child=1` the harness sends `celint_rt.fail` then `celint_rt.ping` once the
worker is ready: each task ends its pool child, so the worker forks two replacement children (the
recycle that arms the WORKER_UP deadline), and the failure fires `task_failure` handlers.

For a scenario whose tasks must run in several children side by side (`# Side by side: N`), the
harness sets CELINT_RT_SIDE_BY_SIDE="<N> <timeout> <dir>" and this module then also connects two
handlers: each pool child prints "celint-rt: child <pid> up" at the end of its `worker_process_init`
(after the example's own handlers, which were connected first), and each task the harness sent in
round k (task id "celint-rt-r<k>-...") waits in `task_prerun` until N children hold a task of
that round, then they all start together. Each task prints what happened: "celint-rt: round <k>:
side by side in children [<pids>]" or "celint-rt: round <k>: alone in child <pid> ..." when the
others did not arrive within the timeout. The harness reads these lines from the worker's log.
"""

import os
import re
import time

from celery import shared_task
from celery.signals import task_prerun, worker_process_init


@shared_task(name="celint_rt.fail")
def fail():
    raise RuntimeError("celint runtime harness: this task fails on purpose")


@shared_task(name="celint_rt.ping")
def ping():
    return "pong"


_SIDE_BY_SIDE = os.environ.get("CELINT_RT_SIDE_BY_SIDE", "").split(maxsplit=2)

if len(_SIDE_BY_SIDE) == 3:
    _N, _TIMEOUT, _DIR = int(_SIDE_BY_SIDE[0]), float(_SIDE_BY_SIDE[1]), _SIDE_BY_SIDE[2]

    @worker_process_init.connect(weak=False)
    def _child_up(**kwargs):
        print(f"celint-rt: child {os.getpid()} up", flush=True)

    @task_prerun.connect(weak=False)
    def _side_by_side(task_id=None, **kwargs):
        m = re.match(r"celint-rt-r(\d+)-", task_id or "")
        if not m:
            return
        pid = os.getpid()
        here = os.path.join(_DIR, m[1])
        os.makedirs(here, exist_ok=True)
        open(os.path.join(here, str(pid)), "w").close()
        start = time.monotonic()
        while True:
            met = sorted(int(p) for p in os.listdir(here))
            waited = time.monotonic() - start
            if len(met) >= _N:
                print(f"celint-rt: round {m[1]}: side by side in children {met} (waited {waited:.2f} s)",
                      flush=True)
                return
            if waited >= _TIMEOUT:
                print(f"celint-rt: round {m[1]}: alone in child {pid} after {waited:.1f} s "
                      f"(children at the barrier: {met})", flush=True)
                return
            time.sleep(0.002)
