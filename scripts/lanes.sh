#!/usr/bin/env bash
# The test lanes on two cores: the unit lane (no JVM) runs beside the lanes that start
# Spark, which run as one pytest process sharing one SparkSession, so no two Spark suites
# ever run at once. Each process has its own temporary folder under .cache/.
# An optional second argument is a marker expression both lanes also keep to ("not slow"
# leaves out the tests marked slow in pyproject.toml); without it every test of the lanes runs.
#   scripts/lanes.sh "spark" "not slow"         # make test-fast
#   UNIT_NICE=10 scripts/lanes.sh "spark or e2e or deploy"   # make test
# UNIT_NICE: the unit lane's niceness. Beside the long Spark lanes of make test it yields
# the cores to them (they are the suite's critical path) and still ends long before them.
set -u
cd "$(dirname "$0")/.."
marks=${1:?usage: scripts/lanes.sh "MARKS OF THE SPARK LANES" ["MARKS BOTH LANES KEEP TO"]}
also=${2:-}
unit_marks=unit
if [ -n "$also" ]; then
  unit_marks="unit and ($also)"
  marks="($marks) and ($also)"
fi
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
export PYSPARK_PYTHON=${PYSPARK_PYTHON:-$PWD/.venv/bin/python}
pytest=(.venv/bin/python -m pytest -q -p no:cacheprovider)
mkdir -p .cache
unit_log=.cache/unit-lane.log
nice -n "${UNIT_NICE:-0}" "${pytest[@]}" --basetemp=.cache/pytest-unit --durations=10 -m "$unit_marks" tests >"$unit_log" 2>&1 &
unit_pid=$!
"${pytest[@]}" --basetemp=.cache/pytest-spark --durations=25 -m "$marks" tests
spark=$?
wait "$unit_pid"
unit=$?
echo "--- unit lane (ran beside the lanes above) ---"
cat "$unit_log"
exit $(( unit != 0 || spark != 0 ))
