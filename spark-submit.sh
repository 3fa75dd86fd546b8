#!/usr/bin/env bash
# Run a paperscope job with spark-submit: sets up .venv and the Delta jars on first use,
# ships the library to the executors as a wheel, and passes the rest to spark-submit.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

# The spark-submit jobs: registry.spark_jobs() in lib/paperscope/core/registry.py, each with a
# jobs/<job>.py (tests/test_registry.py checks both).
JOBS="run extract affiliations mentions validate aggregate metadata"
is_job() { [[ " $JOBS " == *" $1 "* ]]; }
# The job's own flags (paperscope STEP --help; tests/test_console.py checks the list): given
# before --, spark-submit would take them as its own and print its whole usage.
JOB_FLAGS="--corpus --manifest --years --warehouse --reports --run-id --set --source --format --year --compare-with"
is_job_flag() { [[ " $JOB_FLAGS " == *" ${1%%=*} "* ]]; }

usage() {
  cat <<TXT
Usage: ./spark-submit.sh [--master URL] [--conf-file conf/X.yaml] [SPARK-SUBMIT OPTIONS] [JOB] [-- JOB ARGS]

Runs a paperscope job with spark-submit. With no arguments: the whole pipeline on the
bundled sample corpus (sample/corpus) with local[*], tables under warehouse/, the report
under reports/<run-id>/ (reports/latest points at the newest).

  --master URL        Spark master (default local[*]; e.g. spark://127.0.0.1:7077, yarn)
  --conf-file FILE    paperscope YAML config (default conf/local.yaml; keys: lib/paperscope/data/defaults.yaml)
  JOB                 ${JOBS// / | } (run is the default)
  -- JOB ARGS         passed to the job, e.g. -- --corpus data/neurips --years 2025
                      (see: .venv/bin/paperscope run --help); the job's flags go after --
  anything else       passed to spark-submit unchanged (e.g. --conf k=v, --driver-memory 4g)

What it does: creates .venv (pip install -e '.[spark,dev]') if missing, fetches the Delta
jars once into .cache/jars, builds the paperscope wheel into .cache/dist and ships it with
--py-files (as .zip, the form executors import), adds the jars with --jars and the Delta
SQL extension, sets PYSPARK_PYTHON to the venv's python (override by exporting
PYSPARK_PYTHON), and runs jobs/JOB.py.
Exit codes: 0 ok, 1 quality gate failed, 2 bad setup, config or input, 3 a damaged Delta table.
TXT
}

die() { echo "paperscope: error: $*" >&2; exit 2; }

master="local[*]"
conf_file="conf/local.yaml"
job="run"
passthrough=()
job_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --master) [ $# -ge 2 ] || die "--master needs a URL"; master="$2"; shift 2 ;;
    --master=*) master="${1#*=}"; shift ;;
    --conf-file) [ $# -ge 2 ] || die "--conf-file needs a file"; conf_file="$2"; shift 2 ;;
    --conf-file=*) conf_file="${1#*=}"; shift ;;
    --) shift; job_args=("$@"); break ;;
    --*) if is_job_flag "$1"; then
           die "${1%%=*} is a flag of the job: put job flags after -- (./spark-submit.sh $job -- ${1%%=*} ...)"
         fi
         passthrough+=("$1"); if [ $# -ge 2 ] && [[ "$2" != --* ]] && ! is_job "$2"; then passthrough+=("$2"); shift; fi; shift ;;
    *) is_job "$1" || die "unknown job '$1' (jobs: ${JOBS// /, }; see --help)"; job="$1"; shift ;;
  esac
done
[ -f "$conf_file" ] || die "config file not found: $conf_file"

PAPERSCOPE_CONF="$conf_file" ./scripts/bootstrap.sh
PY="$ROOT/.venv/bin/python"

# Config and inputs are checked before any JVM starts: one line and exit 2 if wrong.
"$PY" -m paperscope.cli.commands check --conf-file "$conf_file" "${job_args[@]}" >/dev/null

jars=$("$PY" -m paperscope.storage.deltajars "$conf_file") || exit 2
for jar in ${jars//,/ }; do [ -r "$jar" ] || die "Delta jar missing or unreadable: $jar"; done

# The library travels to the executors as a wheel; rebuilt only when its sources change.
mkdir -p .cache/dist
wheel=$(ls .cache/dist/paperscope-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ] || [ -n "$(find lib setup.py pyproject.toml -newer "$wheel" -type f -print -quit)" ]; then
  rm -f .cache/dist/paperscope-*.whl .cache/dist/paperscope-*.zip
  "$PY" -m pip wheel -q --no-deps --no-build-isolation -w .cache/dist . >/dev/null 2>&1 \
    || die "could not build the paperscope wheel (try: $PY -m pip wheel --no-deps -w .cache/dist .)"
  wheel=$(ls .cache/dist/paperscope-*.whl | head -1)
fi
# PySpark puts only .zip/.egg/.jar py-files on the executors' sys.path (a .whl is shipped
# but never imported), so the same archive goes out under a .zip name.
pyfiles="${wheel%.whl}.zip"
[ "$pyfiles" -nt "$wheel" ] || cp "$wheel" "$pyfiles"

export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$PY}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
log4j="-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties"
# The driver's JVM options are the config's spark.driver.extraJavaOptions (C1 only, a
# 256 MB code cache; lib/paperscope/data/defaults.yaml), defined there once. A local
# master whose workers run the venv's Python gets paperscope's warm worker daemon
# (lib/paperscope/storage/daemon.py).
java_opts=$("$PY" -m paperscope.core.config spark.conf.spark.driver.extraJavaOptions "$conf_file") || exit 2
driver_opts="$log4j $java_opts"
local_opts=()
if [[ "$master" == local* ]] && [ "$PYSPARK_PYTHON" = "$PY" ]; then
  local_opts=(--conf spark.python.daemon.module=paperscope.storage.daemon)
fi

exec "$ROOT/.venv/bin/spark-submit" \
  --master "$master" \
  --name "paperscope-$job" \
  --jars "$jars" \
  --py-files "$pyfiles" \
  --conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension \
  --conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog \
  --conf "spark.pyspark.python=$PYSPARK_PYTHON" \
  --driver-java-options "$driver_opts" \
  --conf "spark.executor.extraJavaOptions=$log4j" \
  ${local_opts[@]+"${local_opts[@]}"} \
  ${passthrough[@]+"${passthrough[@]}"} \
  "jobs/$job.py" --conf-file "$conf_file" ${job_args[@]+"${job_args[@]}"}
