#!/usr/bin/env python3
"""Runs two celint binaries on the same targets and compares their results exactly (issue 25:
results identical before and after the workspace split).

Each target is linted as `BIN --output-format json --isolated TARGET` by both binaries, from the
same working directory; the parsed JSON and the exit status must be equal (stderr too). Nothing is
normalised: a difference in ordering or a path is a difference. With --show-worker, each target
is also run as `BIN --isolated --show-worker --output-format concise TARGET` and the text compared
(the worker model celint describes: entry, pool, start-up imports, handlers per process).

--fixtures DIR adds the fixture targets the way tests/fixtures.rs sees them: DIR itself (the whole
tree as one project), every directory under it (each group, each project fixture and the folders
inside it), and every `.py` file directly in a group (a single-file fixture); a fixture whose first
file has a `# fixture-select: CODES` line is run a second time with `--select CODES`, as the test
does.

Prints one line per target (`same (exit status, how many findings)` or `DIFFERENT: ...` with the
first differing finding or line) and a summary; exits 1 on any difference.

    git -C . worktree add /tmp/celint-before b6105dd
    CARGO_TARGET_DIR=/tmp/celint-before/target cargo build --release --manifest-path /tmp/celint-before/Cargo.toml
    CARGO_TARGET_DIR=target/cmp cargo build --release
    python3 bench/compare.py --before /tmp/celint-before/target/release/celint \\
        --after target/cmp/release/celint --fixtures fixtures target/bench-corpus
    python3 bench/compare.py --before ... --after ... --show-worker /path/to/repo1 /path/to/repo2
"""

import argparse
import json
import os
import subprocess
import sys


def fixture_targets(base):
    """(label, extra arguments, path) for every fixture target under `base`."""
    out = [(base, [], base)]
    for root, dirs, files in sorted(os.walk(base)):
        dirs.sort()
        out += [(os.path.join(root, d), [], os.path.join(root, d)) for d in dirs]
        if os.path.dirname(root) == base.rstrip("/"):  # a group: its single-file fixtures
            out += [(os.path.join(root, f), [], os.path.join(root, f))
                    for f in sorted(files) if f.endswith(".py")]
    # tests/fixtures.rs's fixtures are a group's entries; some name their rules.
    for label, _, path in list(out):
        is_entry = os.path.dirname(os.path.dirname(path)) == base.rstrip("/")
        select = is_entry and fixture_select(path)
        if select:
            out.append((f"{label} --select {select}", ["--select", select], path))
    return out


def fixture_select(path):
    """The `# fixture-select:` list of the fixture's first file (tests/fixtures.rs's rules_for)."""
    files = [path] if os.path.isfile(path) else first_file(path)
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("# fixture-select:"):
                    return line[len("# fixture-select:"):].strip()
    return None


def first_file(d):
    """tests/fixtures.rs's walk order: entries sorted by path, depth first, .py/.pyi only."""
    for e in sorted(os.listdir(d)):
        p = os.path.join(d, e)
        if os.path.isdir(p):
            found = first_file(p)
            if found:
                return found
        elif e.endswith((".py", ".pyi")):
            return [p]
    return []


def run(binary, args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def first_difference(a, b):
    """A short description of where two parsed JSON outputs first differ."""
    if not (isinstance(a, list) and isinstance(b, list)):
        return f"before {str(a)[:300]} / after {str(b)[:300]}"
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            return (f"finding #{i} differs in {keys}: before {json.dumps(x)[:600]}"
                    f" / after {json.dumps(y)[:600]}")
    longer, who = (a, "before") if len(a) > len(b) else (b, "after")
    i = min(len(a), len(b))
    return f"{len(a)} vs {len(b)} findings; first extra ({who}) #{i}: {json.dumps(longer[i])[:600]}"


def compare(before, after, args, text):
    """(problem or None, what both gave) for `args`."""
    (rc1, out1, err1), (rc2, out2, err2) = run(before, args), run(after, args)
    problems = []
    seen = f"exit {rc1}, {len(out1.splitlines())} lines"
    if rc1 != rc2:
        problems.append(f"exit {rc1} vs {rc2}")
    if text:
        if out1 != out2:
            l1, l2 = out1.splitlines(), out2.splitlines()
            i = next((i for i, (x, y) in enumerate(zip(l1, l2)) if x != y), min(len(l1), len(l2)))
            problems.append(f"stdout line {i + 1}: before {l1[i:i + 1]} / after {l2[i:i + 1]}")
    else:
        try:
            j1, j2 = json.loads(out1), json.loads(out2)
        except ValueError as e:
            return (f"not JSON ({e}); before stdout {out1[:200]!r}, after {out2[:200]!r};"
                    f" stderr {err1[:200]!r} / {err2[:200]!r}"), None
        seen = f"exit {rc1}, {len(j1) if isinstance(j1, list) else '?'} findings"
        if j1 != j2:
            problems.append(first_difference(j1, j2))
    if err1 != err2:
        problems.append(f"stderr: before {err1[:300]!r} / after {err2[:300]!r}")
    return "; ".join(problems) or None, seen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--fixtures", metavar="DIR", help="add every fixture target under DIR")
    ap.add_argument("--show-worker", action="store_true",
                    help="also compare --show-worker's text (concise output) on every target")
    ap.add_argument("targets", nargs="*")
    a = ap.parse_args()
    before, after = os.path.abspath(a.before), os.path.abspath(a.after)
    jobs = fixture_targets(a.fixtures) if a.fixtures else []
    jobs += [(t, [], t) for t in a.targets]
    checks = [(label, ["--output-format", "json", "--isolated", *extra, path], False)
              for label, extra, path in jobs]
    missing = [path for _, _, path in jobs if not os.path.exists(path)]
    if missing:
        sys.exit(f"no such target: {', '.join(missing)}")
    if a.show_worker:
        checks += [(f"{label} [--show-worker]",
                    ["--isolated", "--show-worker", "--output-format", "concise", *extra, path], True)
                   for label, extra, path in jobs]
    differ = 0
    for label, args, text in checks:
        problem, seen = compare(before, after, args, text)
        differ += problem is not None
        print(f"{label}: {f'same ({seen})' if problem is None else 'DIFFERENT: ' + problem}",
              flush=True)
    print(f"{len(checks) - differ} of {len(checks)} same, {differ} different")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
