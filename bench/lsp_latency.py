"""Latency of `celint server` from an edit to the findings it changes, on the benchmark corpus.

The corpus (`bash bench/corpus.sh target/bench-corpus`, built here when missing) has no
handler whose calls go two levels deep into other modules, so this script works on a copy of
it (hard links, target/bench-lsp-corpus) to which it ADDS a small package, `lspbench/`: a
`worker_process_init` handler (`handlers.py`) calling `steps.prepare()`, which calls
`deep.load()`, which sleeps. The copy is opened as the workspace; the client opens the
handler's file and the helper `deep.py`, then edits the helper 20 times (different sleeps, as a
call and as a loop of one-second calls; each edit a didChange, the file written and a
didSave) and measures, for each, the time from sending the didChange to reading the
publishDiagnostics of the handler's file whose CEL004 names the new duration. Prints each
figure and the median.

A plain JSON-RPC client over the server's standard input and output (tests/lsp/rpc.py). The
server command is `CELINT_SERVER` (default `celint server`), e.g.
`CELINT_SERVER="target/release/celint server" python3 bench/lsp_latency.py`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests/lsp"))
from rpc import Client  # noqa: E402

HANDLERS = '''"""Added by bench/lsp_latency.py: a handler whose work is two calls deep."""
from celery.signals import worker_process_init

from lspbench import steps


@worker_process_init.connect
def boot(**kwargs):
    steps.prepare()
'''
STEPS = '''from lspbench import deep


def prepare():
    deep.load()
'''
DEEP = '''import time


def load():
    time.sleep(5)
'''


def corpus_copy(corpus: Path, dest: Path) -> Path:
    if not (corpus / ".complete").exists():
        subprocess.run(["bash", str(ROOT / "bench/corpus.sh"), str(corpus)], check=True)
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run(["cp", "-al", str(corpus), str(dest)], check=True)
    pkg = dest / "lspbench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "handlers.py").write_text(HANDLERS)
    (pkg / "steps.py").write_text(STEPS)
    (pkg / "deep.py").write_text(DEEP)
    return dest


def body(seconds: int) -> str:
    """The helper's body: the sleep as one call or as a loop of one-second calls."""
    if seconds % 2:
        return f"    for _ in range({seconds}):\n        time.sleep(1)"
    return f"    time.sleep({seconds})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT / "target/bench-corpus"))
    ap.add_argument("--copy", default=str(ROOT / "target/bench-lsp-corpus"))
    ap.add_argument("--edits", type=int, default=20)
    a = ap.parse_args()
    root = corpus_copy(Path(a.corpus).resolve(), Path(a.copy).resolve())
    handlers = root / "lspbench/handlers.py"
    deep = root / "lspbench/deep.py"
    client = Client(cwd=root)
    try:
        client.initialize([root])
        start = time.perf_counter()
        hu = client.open(handlers, handlers.read_text())
        at, found = client.published(hu, 1, timeout=300)
        print(f"first findings of the handler's file (a cold check): {(at - start) * 1000:.0f} ms")
        assert any("about 5 s" in d["message"] for d in found), found
        du = client.open(deep, deep.read_text())
        latencies = []
        for i in range(a.edits):
            seconds = 6 + i
            text = DEEP.replace("    time.sleep(5)", body(seconds))
            sent = time.perf_counter()
            client.change_full(du, 2 + i, text)
            deep.write_text(text)
            client.notify("textDocument/didSave", {"textDocument": {"uri": du}})

            def updated(m, seconds=seconds):
                if m.get("method") != "textDocument/publishDiagnostics":
                    return False
                p = m["params"]
                return p["uri"] == hu and any(
                    f"about {seconds} s" in d["message"] for d in p["diagnostics"]
                )

            at, _ = client.wait(updated, timeout=120)
            latencies.append((at - sent) * 1000)
            kind = "loop" if seconds % 2 else "call"
            print(f"edit {i + 1:2}: {seconds:2} s as a {kind}: {latencies[-1]:.1f} ms")
        print(
            f"median {statistics.median(latencies):.1f} ms, min {min(latencies):.1f} ms, "
            f"max {max(latencies):.1f} ms over {len(latencies)} edits"
        )
        client.close()
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
