#!/usr/bin/env bash
# Checks that .ci/run prints its phase-time table however it ends: it runs .ci/run's own phase
# machinery (the lines from `times=""` to `trap phase_times EXIT`, taken from the script, not
# copied) in small scripts whose phases succeed, fail under `set -e`, or `exit` with a message,
# and checks the table, the failed phase's line and the exit status.
# Usage: tests/integration/ci_phase_times.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
machinery=$(sed -n '/^times=""$/,/^trap phase_times EXIT$/p' "$repo/.ci/run")
[ "$(printf '%s\n' "$machinery" | tail -n 1)" = "trap phase_times EXIT" ] || {
  echo "FAIL: no phase machinery ending in 'trap phase_times EXIT' in .ci/run"
  echo "ci-phase-times: 0 passed, 1 failed"
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# run NAME BODY EXPECTED_STATUS PATTERN...: runs the machinery followed by BODY under
# `set -euo pipefail`; each PATTERN (an extended regular expression) must match a whole line of
# the output, in order.
run() {
  local name=$1 body=$2 want=$3
  shift 3
  printf 'set -euo pipefail\n%s\n%s\n' "$machinery" "$body" > "$work/script"
  set +e
  bash "$work/script" > "$work/out" 2>&1
  local status=$?
  set -e
  local ok=1 line=0 pattern
  [ "$status" -eq "$want" ] || { ok=0; echo "$name: exit status $status, not $want"; }
  for pattern in "$@"; do
    # Each pattern must match a line after the previous pattern's line.
    local found
    found=$(tail -n +$((line + 1)) "$work/out" | grep -nxE -m 1 -- "$pattern" | cut -d: -f1) || true
    if [ -z "$found" ]; then
      ok=0
      echo "$name: no line matching (in order): $pattern"
      break
    fi
    line=$((line + found))
  done
  if [ $ok -eq 1 ]; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name; the output was:"
    sed 's/^/  | /' "$work/out"
  fi
}

run "every phase passes" '
phase "one"
true
phase "two"
true
phase ""' 0 \
  '== one' '-- [0-9]+ s' '== two' '-- [0-9]+ s' '== phase times' \
  ' +[0-9]+ s  one' ' +[0-9]+ s  two' ' +[0-9]+ s  total'
if grep -q FAILED "$work/out"; then
  failed=$((failed + 1)); passed=$((passed - 1)); echo "FAIL: every phase passes: FAILED printed"
fi

run "a command fails under set -e in the second phase" '
phase "one"
true
phase "two"
sh -c "exit 7"
phase "three"
echo "three ran"
phase ""' 7 \
  '== one' '== two' '== phase times' ' +[0-9]+ s  one' \
  ' +[0-9]+ s  two  \(FAILED, exit status 7\)' ' +[0-9]+ s  total' \
  'FAILED in phase: two \(exit status 7\)'
if grep -qE '^== three|three ran' "$work/out"; then
  failed=$((failed + 1)); passed=$((passed - 1)); echo "FAIL: the phase after the failure ran"
fi

run "a phase exits with a message, as .ci/run's checks do" '
phase "one"
phase "wheel"
echo "FAIL: the wheel is wrong"; exit 1
phase ""' 1 \
  'FAIL: the wheel is wrong' '== phase times' ' +[0-9]+ s  one' \
  ' +[0-9]+ s  wheel  \(FAILED, exit status 1\)' ' +[0-9]+ s  total' \
  'FAILED in phase: wheel \(exit status 1\)'

run "a failure in a pipeline (pipefail)" '
phase "one"
false | cat
phase ""' 1 \
  ' +[0-9]+ s  one  \(FAILED, exit status 1\)' 'FAILED in phase: one \(exit status 1\)'

run "a failure before the first phase" '
echo "cargo is required" >&2; exit 1
phase "one"' 1 \
  '== phase times' ' +[0-9]+ s  total' 'FAILED in phase: \(before the first phase\) \(exit status 1\)'

echo "ci-phase-times: $passed passed, $failed failed"
[ $failed -eq 0 ]
