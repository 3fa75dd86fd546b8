#!/usr/bin/env bash
# Make the repo runnable on a fresh machine with Python 3.11 and Java 17:
# .venv/ at the repo root with paperscope and its pinned dependencies, and the Delta jars
# cached under .cache/jars (fetched once from Maven Central, offline afterwards).
# Idempotent and quick when nothing changed. Prints one clear line on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "paperscope: error: $*" >&2; exit 2; }

find_python() {
  for py in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$py" ] || continue
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 10))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

java_ok() {
  local java="java"
  [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null 2>&1 || return 1
  local v
  v=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [ -n "$v" ] && [ "$v" -ge 17 ]
}

java_ok || die "Java 17 or newer is needed (set JAVA_HOME or put java on PATH); found: $(java -version 2>&1 | head -1 || echo none)"

stamp=.venv/.paperscope-installed
want=$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  py=$(find_python) || die "Python 3.10+ is needed (python3.11 recommended); none found on PATH"
  if [ ! -x .venv/bin/python ]; then
    echo "paperscope: creating .venv with $($py --version)" >&2
    "$py" -m venv .venv || die "could not create .venv (is the venv module installed? e.g. apt-get install python3-venv)"
  fi
  echo "paperscope: installing paperscope and its pinned dependencies into .venv (pyspark builds from source: a minute or two)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip wheel setuptools >&2 \
    || die "pip could not upgrade itself in .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[spark,dev]' >&2 \
    || die "pip install of paperscope into .venv failed (see the messages above)"
  echo "$want" > "$stamp"
fi

.venv/bin/python -m paperscope.deltajars "${PAPERSCOPE_CONF:-conf/local.yaml}" >/dev/null
