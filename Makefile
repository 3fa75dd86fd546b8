# The two commands of the README: `./spark-submit.sh` runs the sample; `make test` tests.
.PHONY: test test-fast setup sample clean

setup:
	./scripts/bootstrap.sh

PYTEST = SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$(CURDIR)/.venv/bin/python .venv/bin/python -m pytest -q

# Every lane: unit, spark, e2e, deploy (about 13 minutes).
test: setup
	$(PYTEST) tests

# The edit loop: unit tests and small-frame Spark tests (under 2 minutes).
test-fast: setup
	$(PYTEST) -m "unit or spark" tests

sample: setup
	.venv/bin/python sample/make_sample.py

clean:
	rm -rf warehouse reports spark-warehouse build dist .cache/dist
