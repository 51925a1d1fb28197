#!/usr/bin/env bash
# Builds the benchmark corpus: this machine's CPython standard library (without site-packages)
# plus the Python sources of Celery and projects that use it, from PyPI wheels (about 4,900
# files, 70 MB). Usage: bench/corpus.sh [DIR] (default target/bench-corpus). Prints the
# directory, the file count and the size.
set -eu
dir=${1:-target/bench-corpus}
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"; mkdir -p "$dir/stdlib" "$dir/dl"
  std=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
  (cd "$std" && find . -name '*.py' -not -path './site-packages/*' -print0 | tar --null -T - -cf -) | tar -xf - -C "$dir/stdlib"
  python3 -m pip download -q --no-deps --only-binary :all: --python-version 3.11 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d "$dir/dl" \
    celery==5.7.0 kombu==5.7.0 billiard==4.3.2 django==5.2.8 flower==2.0.1 sentry-sdk==2.45.0 \
    django-celery-beat==2.8.1 django-celery-results==2.6.0 pandas==2.3.2 sqlalchemy==2.0.44 >/dev/null
  for a in "$dir"/dl/*; do
    n=$(basename "$a"); mkdir -p "$dir/${n%%-*}"; python3 -m zipfile -e "$a" "$dir/${n%%-*}"
  done
  rm -rf "$dir/dl"; touch "$dir/.complete"
fi
# The corpus is one project: its root is here, not in the repository around it (celint lints
# any path with the project above it behind it).
[ -f "$dir/pyproject.toml" ] || printf '[project]\nname = "bench-corpus"\nversion = "0"\n' > "$dir/pyproject.toml"
echo "$dir $(find "$dir" -name '*.py' | wc -l) files $(find "$dir" -name '*.py' -print0 | xargs -0 cat | wc -c) bytes"
