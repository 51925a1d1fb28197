"""Soak test: 10,000 edits to `celint server`, memory flat.

A copy of tests/lsp/projects/shop is opened; the handler file and a helper two calls deep are
both open buffers. The edits come in 100 bursts of 100 (as an editor sends them while one
types), of three kinds in turn: the handler's call line rewritten (a comment of varying length),
the helper's sleep changed between 10 s and 3 s (the handler's CEL004 comes and goes), and a line
that does not parse added and removed. After each burst the client waits for the findings of
the last version, sometimes asks for a hover and the code actions too, and reads the server's
resident memory (VmRSS, /proc/PID/status).

Flat: after the first 10 bursts (warm-up: allocator pools, the rule documents, thread
stacks), the median RSS of the last 10 bursts is within 16 MiB and 25 % of the median of
bursts 10 to 20. Bounded: each wait 60 s, the whole run 240 s; the findings of the last burst
must be the ones its text has. Run: `CELINT_SERVER=... python3 tests/lsp/soak.py`.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rpc import Client  # noqa: E402

BURSTS = 100
EDITS_PER_BURST = 100
BUDGET_S = 240
HERE = Path(__file__).resolve().parent


def main() -> int:
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shop"
        shutil.copytree(HERE / "projects" / "shop", root)
        client = Client()
        try:
            return soak(client, root, start)
        finally:
            if client.proc.poll() is None:
                client.proc.kill()


def soak(client: Client, root: Path, start: float) -> int:
    client.initialize([root])
    signals_path = root / "lspshop/signals.py"
    cache_path = root / "lspshop/cache.py"
    signals = signals_path.read_text().split("\n")
    cache = cache_path.read_text().split("\n")
    su = client.open(signals_path, "\n".join(signals))
    cu = client.open(cache_path, "\n".join(cache))
    client.published(su, 1)
    versions = {su: 1, cu: 1}
    samples = []
    broken = False
    for burst in range(BURSTS):
        for i in range(EDITS_PER_BURST):
            n = burst * EDITS_PER_BURST + i
            kind = n % 3
            if kind == 0:
                old = signals[8]
                signals[8] = "    warmup.prepare()" + ("  # edit " + "x" * (n % 17) if n % 2 else "")
                versions[su] += 1
                client.change_line(su, versions[su], 8, old, signals[8])
            elif kind == 1:
                old = cache[4]
                cache[4] = "    time.sleep(3)" if "10" in old else "    time.sleep(10)"
                versions[cu] += 1
                client.change_line(cu, versions[cu], 4, old, cache[4])
            else:
                old = signals[10]
                broken = not broken
                signals[10] = "def (" if broken else ""
                versions[su] += 1
                client.change_line(su, versions[su], 10, old, signals[10])
        _, found = client.published(su, versions[su])
        codes = sorted(d["code"] for d in found)
        expected = sorted(
            (["CEL000"] if broken else [])
            + (["CEL004"] if "10" in cache[4] else [])
            + ["CEL009"]
        )
        if codes != expected:
            print(f"FAIL burst {burst}: findings {codes}, expected {expected}")
            return 1
        if burst % 10 == 5:
            position = {"textDocument": {"uri": su}, "position": {"line": 12, "character": 6}}
            hover = client.request("textDocument/hover", position)
            actions = client.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": su},
                    "range": {"start": position["position"], "end": position["position"]},
                    "context": {"diagnostics": []},
                },
            )
            if not hover.get("result") or not actions.get("result"):
                print(f"FAIL burst {burst}: no hover or code actions: {hover} {actions}")
                return 1
        samples.append(client.rss_kib())
        if time.monotonic() - start > BUDGET_S:
            print(f"FAIL: over the {BUDGET_S} s budget after {burst + 1} bursts")
            return 1
    status = client.close()
    base = statistics.median(samples[10:20])
    last = statistics.median(samples[-10:])
    growth = last - base
    took = time.monotonic() - start
    print(
        f"soak: {BURSTS * EDITS_PER_BURST} edits in {took:.1f} s; RSS (MiB) first {samples[0] / 1024:.1f}, "
        f"bursts 10-20 {base / 1024:.1f}, last 10 {last / 1024:.1f}, max {max(samples) / 1024:.1f}"
    )
    ok = growth <= 16 * 1024 and last <= base * 1.25 and status == 0
    if status != 0:
        print(f"FAIL: the server exited with {status} after shutdown and exit")
    if not ok:
        print(f"FAIL: memory grew by {growth / 1024:.1f} MiB")
    print(f"soak: {int(ok)} passed, {int(not ok)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
