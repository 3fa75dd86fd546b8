#!/usr/bin/env bash
# Make the repo runnable on a fresh machine with Python 3.11 and Java 17:
# .venv/ at the repo root with paperscope and its pinned dependencies, and the Delta jars
# cached under .cache/jars (fetched once from Maven Central, offline afterwards).
# Idempotent and quick when nothing changed. Prints one clear line on failure.
#   scripts/bootstrap.sh          what a run needs (./spark-submit.sh): .[spark,dev]
#   scripts/bootstrap.sh --test   what the tests need too (make test, CI): the docs extra for
#                                 `mkdocs build --strict` and, as root with apt-get, Debian's
#                                 chromium and chromium-driver for the browser tests, in the
#                                 background while pip works; best effort: a failure is one
#                                 warning, and the browser tests are then skipped.
# A run never installs a browser.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
case "${1:-}" in
  --test) mode=test ;;
  "") ;;
  *) echo "paperscope: error: usage: scripts/bootstrap.sh [--test]" >&2; exit 2 ;;
esac

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

# Started before pip so the two downloads overlap; waited for at the end. Tried once per
# .venv (the marker), so a machine whose apt cannot get chromium does not retry every `make test`.
browser_pid=""
browser_log=.cache/apt-chromium.log
if [ "$mode" = test ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
   && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && [ ! -e .venv/.chromium-tried ]; then
  mkdir -p .cache
  echo "paperscope: installing chromium and chromium-driver with apt-get in the background (for the browser test)" >&2
  (
    export DEBIAN_FRONTEND=noninteractive
    get_browser() { apt-get install -y -q --no-install-recommends chromium chromium-driver; }
    get_browser || { apt-get update -q && get_browser; }
  ) >"$browser_log" 2>&1 &
  browser_pid=$!
fi

# The stamp holds the hash of what was installed and its extras: a run after `make test`
# finds its extras there and installs nothing.
stamp=.venv/.paperscope-installed
want=$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)
extras="spark,dev"
[ "$mode" = test ] && extras="spark,dev,docs"
have_hash="" have_extras=""
[ -r "$stamp" ] && read -r have_hash have_extras < "$stamp" || true
stale=0
if [ ! -x .venv/bin/python ] || [ "$have_hash" != "$want" ]; then
  stale=1
else
  for e in ${extras//,/ }; do [[ ",$have_extras," == *",$e,"* ]] || stale=1; done
fi
if [ "$stale" = 1 ]; then
  py=$(find_python) || die "Python 3.10+ is needed (python3.11 recommended); none found on PATH"
  if [ ! -x .venv/bin/python ]; then
    echo "paperscope: creating .venv with $($py --version)" >&2
    "$py" -m venv .venv || die "could not create .venv (is the venv module installed? e.g. apt-get install python3-venv)"
  fi
  echo "paperscope: installing paperscope and its pinned dependencies into .venv (pyspark builds from source: a minute or two)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip wheel setuptools >&2 \
    || die "pip could not upgrade itself in .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]" >&2 \
    || die "pip install of paperscope into .venv failed (see the messages above)"
  echo "$want $extras" > "$stamp"
fi

if [ -n "$browser_pid" ]; then
  if ! wait "$browser_pid"; then
    echo "paperscope: warning: apt-get could not install chromium (see $browser_log); the browser test will be skipped" >&2
  fi
  touch .venv/.chromium-tried
fi

.venv/bin/python -m paperscope.storage.deltajars "${PAPERSCOPE_CONF:-conf/local.yaml}" >/dev/null
