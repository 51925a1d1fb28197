#!/usr/bin/env python3
"""celint's benchmark: celint against ripgrep (reading every file once: the floor) and Ruff (a
single-rule general linter), side by side on the same corpus, alternately, several times;
prints the medians and the ratios. Then the engine kept warm (bench/recheck.rs): the re-check of
the whole corpus project after one file's text changes (median of 20 edits: a handler's body, a
helper two calls deep, a settings module) and the warm project's peak memory, against Ruff's. With --scaling, also how celint's time and memory grow with
the corpus (copied 1, 2, 4 and 8 times under one root) and with the thread count (1, 2).

Usage: python3 bench/bench.py [--runs 7] [--scaling] [--corpus DIR]
Needs: cargo, python3, ripgrep (`rg`; installed with apt-get when missing and run as root).
Ruff is installed into target/bench-venv.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF_VERSION = "0.17.6"


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def measure(cmd, env=None):
    """Wall seconds and peak resident memory (MiB) of one run, output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024.0


def setup(corpus):
    sh("bash", str(ROOT / "bench/corpus.sh"), str(corpus))
    sh("cargo", "build", "--release", "-q", cwd=ROOT)
    venv = ROOT / "target/bench-venv"
    ruff = venv / "bin/ruff"
    if not ruff.exists():
        sh(sys.executable, "-m", "venv", str(venv))
        sh(str(venv / "bin/pip"), "install", "-q", f"ruff=={RUFF_VERSION}")
    rg = shutil.which("rg")
    if rg is None and os.geteuid() == 0:
        sh("apt-get", "install", "-y", "-qq", "ripgrep", stdout=subprocess.DEVNULL)
        rg = shutil.which("rg")
    if rg is None:
        sys.exit("ripgrep (rg) is needed: apt-get install ripgrep")
    return str(ROOT / "target/release/celint"), str(ruff), rg


def compare(celint, ruff, rg, corpus, runs):
    commands = {
        "ripgrep": [rg, "-l", "-t", "py", "worker_process_init", str(corpus)],
        "celint": [celint, "--output-format", "concise", str(corpus)],
        "ruff": [ruff, "check", "--no-cache", "--isolated", "--select", "F401", str(corpus)],
    }
    samples = {name: [] for name in commands}
    for name, cmd in commands.items():  # warm the page cache
        measure(cmd)
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(measure(cmd))
    med = {n: (statistics.median(w for w, _ in s), statistics.median(m for _, m in s)) for n, s in samples.items()}
    print(f"corpus: {corpus}, {runs} runs each, alternating; medians")
    print(f"{'tool':10} {'wall s':>8} {'peak MiB':>9}")
    for n, (w, m) in med.items():
        print(f"{n:10} {w:8.3f} {m:9.1f}")
    print(f"celint/ripgrep wall: {med['celint'][0] / med['ripgrep'][0]:.2f}x")
    print(f"celint/ruff    wall: {med['celint'][0] / med['ruff'][0]:.2f}x")
    print(f"celint/ruff    peak memory: {med['celint'][1] / med['ruff'][1]:.2f}x")
    return med


def recheck(corpus, ruff_peak):
    """The engine's re-check after one edit (bench/recheck.rs), and its peak memory."""
    out = subprocess.run(
        ["cargo", "bench", "-q", "--bench", "recheck", "--", str(corpus)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    lines = out.splitlines()
    for line in lines:
        if line.startswith(("cold check", "re-check median", "peak memory")):
            print(line)
    peak = next(float(l.split()[2]) for l in lines if l.startswith("peak memory"))
    print(f"warm project peak memory / ruff's one-shot run: {peak / ruff_peak:.2f}x")


def scaling(celint, corpus, runs):
    base = ROOT / "target/bench-scaling"
    print("\nscaling: the corpus copied N times under one root (hard links), threads 1 and 2")
    print(f"{'copies':>6} {'threads':>7} {'wall s':>8} {'peak MiB':>9} {'s per copy':>11}")
    for copies in (1, 2, 4, 8):
        root = base / f"x{copies}"
        if not (root / ".complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            for i in range(copies):
                sh("cp", "-al", str(corpus), str(root / f"copy{i}"))
            (root / ".complete").touch()
        for threads in (1, 2):
            env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
            cmd = [celint, "--output-format", "concise", str(root)]
            measure(cmd, env)
            s = [measure(cmd, env) for _ in range(runs)]
            w = statistics.median(x for x, _ in s)
            m = statistics.median(x for _, x in s)
            print(f"{copies:>6} {threads:>7} {w:8.3f} {m:9.1f} {w / copies:11.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--corpus", default=str(ROOT / "target/bench-corpus"))
    ap.add_argument("--scaling", action="store_true")
    a = ap.parse_args()
    corpus = Path(a.corpus).resolve()
    celint, ruff, rg = setup(corpus)
    med = compare(celint, ruff, rg, corpus, a.runs)
    print()
    recheck(corpus, med["ruff"][1])
    if a.scaling:
        scaling(celint, corpus, max(3, a.runs // 2))


if __name__ == "__main__":
    main()
