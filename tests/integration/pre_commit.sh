#!/usr/bin/env bash
# Runs the real pre-commit (from PyPI) with the README's pre-commit snippet, unchanged but for
# its two placeholders, filled in as the snippet says: `repo:` is the path of a clone of celint
# (here this working tree, committed in a temporary repository) and `rev:` the full hash of that
# commit (`git rev-parse HEAD`). On a temporary project it checks that the hook fails on a
# hazard and passes on fixed code, and that with only a helper staged (its handler untouched)
# the hook still reports what the helper causes: the demo's CEL002 in shop/checks.py, and the
# CEL004 of a handler whose helper gains a 10 s sleep. celint is built once (pre-commit's
# `cargo install`), into this checkout's target directory with a release profile without LTO
# unless the caller chose one. Usage: tests/integration/pre_commit.sh [VENV_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-$repo/target/pre-commit-venv}
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "pre-commit==4.*"
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
export CARGO_PROFILE_RELEASE_LTO=${CARGO_PROFILE_RELEASE_LTO:-false}
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A hook environment per run: the hook repository is new each time.
export PRE_COMMIT_HOME="$work/pre-commit-home"
passed=0
fail() { echo "FAIL: $1"; echo "pre-commit: $passed passed, 1 failed"; exit 1; }

# The README's snippet: the yaml block that starts with `repos:`.
snippet=$(awk '/^```yaml$/ { block = 1; first = 1; next }
               /^```$/ { if (taken) exit; block = 0; next }
               block && first { first = 0; if ($0 != "repos:") block = 0 }
               block { print; taken = 1 }' "$repo/README.md")
# The placeholders: the values of `repo:` and `rev:`, without the comments after them.
url=$(printf '%s\n' "$snippet" | sed -n 's/^ *- repo: *\([^ #]*\).*/\1/p')
rev=$(printf '%s\n' "$snippet" | sed -n 's/^ *rev: *\([^ #]*\).*/\1/p')
[ -n "$url" ] && [ -n "$rev" ] || fail "no pre-commit snippet with repo and rev in README.md"
[ "$url" != local ] || fail "the snippet's repo is local: this test fills in a clone's path"
"$venv/bin/pre-commit" validate-manifest "$repo/.pre-commit-hooks.yaml"

# The hook repository: this working tree (tracked and new files, not ignored ones).
hooks="$work/hooks"
mkdir "$hooks"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) | tar -xf - -C "$hooks"
git -C "$hooks" init -q
git -C "$hooks" add -A
git -C "$hooks" -c user.email=ci@example.com -c user.name=ci commit -qm "celint under test"
sha=$(git -C "$hooks" rev-parse HEAD)

project="$work/project"
mkdir "$project"
cd "$project"
git init -q .
git config user.email ci@example.com
git config user.name ci
printf '%s\n' "$snippet" | sed -e "s|^\( *- repo: *\)$url|\1$hooks|" -e "s|^\( *rev: *\)$rev|\1$sha|" \
  > .pre-commit-config.yaml
grep -qF "repo: $hooks" .pre-commit-config.yaml && grep -qF "rev: $sha" .pre-commit-config.yaml ||
  fail "the snippet's placeholders were not filled in: $(cat .pre-commit-config.yaml)"
cat .pre-commit-config.yaml
git add .pre-commit-config.yaml
git commit -qm config

# Runs the hook on what is staged; $out holds its output, $status its exit status.
hook() {
  set +e
  out=$("$venv/bin/pre-commit" run "$@" 2>&1)
  status=$?
  set -e
  echo "$out"
}
expect_line() { printf '%s\n' "$out" | grep -qxF -- "$1" || fail "$2: no line: $1"; }

echo "== a hazard in the handler file"
cat > worker.py <<'PY'
from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    exit(1)
PY
git add worker.py
hook
[ $status -eq 1 ] || fail "the hook passed on a hazard"
expect_line "worker.py:6:5: CEL003 \`exit(1)\` in \`worker_process_init\` stops start-up or exits forever" "hazard"
passed=$((passed + 1))

echo "== the hazard fixed"
cat > worker.py <<'PY'
import os
import signal

from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    os.kill(os.getppid(), signal.SIGTERM)
PY
git add worker.py
hook --all-files
[ $status -eq 0 ] || fail "the hook failed on fixed code"
git commit -qm worker
passed=$((passed + 1))

echo "== the demo, only its helper shop/checks.py staged"
cp -r "$repo/examples/demo" demo
git add demo
git commit -qm demo
echo '# Checked in every pool child.' >> demo/shop/checks.py
git add demo/shop/checks.py
hook
[ $status -eq 1 ] || fail "the hook passed on the demo's helper"
expect_line "demo/shop/checks.py:8:9: CEL002 \`sys.exit(\"not enough disk space\")\` after blocking work in \`worker_process_init\`: an endless exit loop" "helper"
expect_line "Found 1 problem (1 error, 0 warnings)." "helper"
git commit -qm "demo helper"
passed=$((passed + 1))

echo "== a 10 s sleep added to a helper, only the helper staged"
mkdir app
touch app/__init__.py
cat > app/signals.py <<'PY'
from celery.signals import worker_process_init

from app import warmup


@worker_process_init.connect
def boot(**kwargs):
    warmup.prime()
PY
printf 'def prime():\n    pass\n' > app/warmup.py
git add app
hook
[ $status -eq 0 ] || fail "the hook failed on a handler whose helper does nothing slow"
git commit -qm app
printf 'import time\n\n\ndef prime():\n    time.sleep(10)\n' > app/warmup.py
git add app/warmup.py
hook
[ $status -eq 1 ] || fail "the hook passed on a 10 s sleep in a helper"
# Reported in the helper, the file that changed: its first line names it (the trace shows the
# handler in the full output).
expect_line "app/warmup.py:5:5: CEL004 \`boot\` blocks for about 10 s, at or above \`worker_proc_alive_timeout\` (4 s)" "sleep"
expect_line "Found 1 problem (1 error, 0 warnings)." "sleep"
[ -z "$(git status --porcelain app/signals.py)" ] || fail "the handler file was touched"
passed=$((passed + 1))

echo "pre-commit: $passed passed, 0 failed"
