#!/usr/bin/env bash
# A real Spark standalone cluster on this machine (127.0.0.1): one master and N workers
# from the pyspark installed in .venv, each its own JVM with its own work dir, started
# and stopped by the process ids this script records. For trying spark-submit against a
# cluster without one at hand; the test suite uses it too (tests/test_cluster.py).
#
#   scripts/standalone-cluster.sh start [DIR]   start, wait until every worker registered,
#                                               print the master URL (also in DIR/master-url)
#   scripts/standalone-cluster.sh stop [DIR]    stop what `start` started (DIR/*.pid)
#   scripts/standalone-cluster.sh status [DIR]  the master's view: workers, cores, apps
#
# DIR defaults to .cache/standalone (logs, pids, worker dirs). Settings by environment:
# WORKERS (2), WORKER_CORES (1), WORKER_MEMORY (1g), START_TIMEOUT seconds (90),
# SPARK_DAEMON_JAVA_OPTS (-XX:TieredStopAtLevel=1) for the master's and workers' JVMs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "standalone-cluster: error: $*" >&2; exit 2; }

cmd=${1:-}
dir=${2:-.cache/standalone}
WORKERS=${WORKERS:-2}
WORKER_CORES=${WORKER_CORES:-1}
WORKER_MEMORY=${WORKER_MEMORY:-1g}
START_TIMEOUT=${START_TIMEOUT:-90}
PY="$ROOT/.venv/bin/python"
export SPARK_LOCAL_IP=127.0.0.1
# The master and the workers only schedule and launch executors: the quick C1 compiler
# is enough for them, and the full C2 compiler's threads took CPU from the executors and
# the driver on a small machine (spark-class passes this to daemons only).
export SPARK_DAEMON_JAVA_OPTS="${SPARK_DAEMON_JAVA_OPTS:--XX:TieredStopAtLevel=1}"

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Our own daemons only: the pid must still be a Spark deploy JVM (pids get reused).
is_ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q 'org.apache.spark.deploy'; }

launch() {  # NAME CLASS ARGS...: a new session, so the pid is also the process group
  local name=$1; shift
  setsid "$SPARK_HOME/bin/spark-class" "$@" > "$dir/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

master_json() { "$PY" - "$(cat "$dir/webui-url")/json/" <<'PY'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(json.dumps(json.load(r)))
except OSError:
    sys.exit(1)
PY
}

alive_workers() {
  master_json 2>/dev/null | "$PY" -c 'import json, sys; print(sum(w["state"] == "ALIVE" for w in json.load(sys.stdin)["workers"]))' 2>/dev/null || echo 0
}

stop() {
  [ -d "$dir" ] || return 0
  local pidfile pid
  for pidfile in "$dir"/worker-*.pid "$dir"/master.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if is_ours "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do is_ours "$pid" || break; sleep 0.2; done
      is_ours "$pid" && kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

start() {
  [ -x "$PY" ] || die ".venv is missing: run ./scripts/bootstrap.sh first"
  SPARK_HOME=$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
  export SPARK_HOME
  [ -x "$SPARK_HOME/bin/spark-class" ] || die "no spark-class in $SPARK_HOME/bin"
  if [ -f "$dir/master.pid" ] && is_ours "$(cat "$dir/master.pid")"; then
    die "a cluster started from $dir is running ($(cat "$dir/master-url")); stop it first"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local port ui i
  port=$(free_port); ui=$(free_port)
  echo "spark://127.0.0.1:$port" > "$dir/master-url"
  echo "http://127.0.0.1:$ui" > "$dir/webui-url"
  launch master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui"
  for i in $(seq "$WORKERS"); do
    mkdir -p "$dir/worker-$i/work" "$dir/worker-$i/local"
    SPARK_LOCAL_DIRS="$dir/worker-$i/local" launch "worker-$i" org.apache.spark.deploy.worker.Worker \
      "spark://127.0.0.1:$port" --host 127.0.0.1 --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" \
      --work-dir "$dir/worker-$i/work" --webui-port "$(free_port)"
  done
  local waited=0
  until [ "$(alive_workers)" -ge "$WORKERS" ]; do
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      tail -n 5 "$dir"/*.log >&2 || true
      stop
      die "the workers did not register with the master within ${START_TIMEOUT}s (logs in $dir)"
    fi
    sleep 1; waited=$((waited + 1))
  done
  cat "$dir/master-url"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) [ -f "$dir/webui-url" ] && master_json || die "no cluster running from $dir" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || [ "$cmd" = -h ] || [ "$cmd" = --help ] || exit 2 ;;
esac
