#!/usr/bin/env bash
# Runs the real pre-commit (from PyPI) with `pre-commit try-repo` against this repository, on a
# temporary git repository that holds a hazard: the hook must fail and print the finding; with
# the hazard fixed it must pass. Usage: tests/integration/pre_commit.sh [VENV_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-$repo/target/pre-commit-venv}
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "pre-commit==4.*"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$repo/target/pre-commit-home"
cd "$work"
git init -q .
git config user.email ci@example.com
git config user.name ci
cat > worker.py <<'PY'
from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    exit(1)
PY
git add worker.py
git commit -qm hazard
set +e
out=$("$venv/bin/pre-commit" try-repo "$repo" celint --all-files 2>&1)
status=$?
set -e
echo "$out"
if [ $status -eq 0 ]; then echo "FAIL: the hook passed on a hazard"; exit 1; fi
echo "$out" | grep -q "worker.py:6:5: CEL003" || { echo "FAIL: finding not printed"; exit 1; }
cat > worker.py <<'PY'
import os
import signal

from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    os.kill(os.getppid(), signal.SIGTERM)
PY
git commit -qam fixed
out=$("$venv/bin/pre-commit" try-repo "$repo" celint --all-files 2>&1) || { echo "$out"; echo "FAIL: the hook failed on fixed code"; exit 1; }
echo "$out"
echo "pre-commit: 2 passed, 0 failed"
