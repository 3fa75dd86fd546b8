# The two commands of the README: `./spark-submit.sh` runs the sample; `make test` tests.
.PHONY: test setup sample clean

setup:
	./scripts/bootstrap.sh

test: setup
	SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$(CURDIR)/.venv/bin/python .venv/bin/python -m pytest -q tests

sample: setup
	.venv/bin/python sample/make_sample.py

clean:
	rm -rf warehouse reports spark-warehouse build dist .cache/dist
