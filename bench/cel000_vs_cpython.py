#!/usr/bin/env python3
"""Every CEL000 celint reports on a tree must be a file CPython's own parser rejects too.

Usage: python3 bench/cel000_vs_cpython.py DIR   (after `cargo build --release`)
Prints each CEL000 with CPython's verdict; exits 1 if celint reports a file CPython accepts.
Files CPython rejects that celint does not report are listed too: celint reports syntax errors
only in files that matter to it (they name a Celery signal or setting, or a handler's calls
reach them), and it parses Python 3.14, which accepts what older versions refuse
(`except A, B:`)."""
import ast
import json
import subprocess
import sys
import warnings
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
celint = Path(__file__).resolve().parent.parent / "target/release/celint"
out = subprocess.run(
    [str(celint), "--isolated", "--output-format", "json", "--select", "CEL000", str(root)],
    capture_output=True, text=True,
)
findings = json.loads(out.stdout or "[]")
bad = 0
reported = set()
for f in findings:
    path = f["filename"]
    reported.add(str(Path(path).resolve()))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(Path(path).read_bytes(), filename=path)
        verdict = "ACCEPTED by CPython"
        bad += 1
    except (SyntaxError, ValueError) as e:
        verdict = f"rejected by CPython too: {type(e).__name__}: {e}"
    print(f"{path}:{f['location']['row']}: {f['message']}\n    {verdict}")
print(f"\n{len(findings)} CEL000 reported, {bad} accepted by CPython {sys.version.split()[0]}")
sys.exit(1 if bad else 0)
