# The two commands of the README: `./spark-submit.sh` runs the sample; `make test` tests.
.PHONY: test test-fast setup sample clean

setup:
	./scripts/bootstrap.sh

# Every lane: unit beside spark, e2e and deploy (scripts/lanes.sh; figures in the README's Tests).
test: setup
	./scripts/lanes.sh "spark or e2e or deploy"

# The edit loop: unit tests beside the small-frame Spark tests.
test-fast: setup
	./scripts/lanes.sh "spark"

sample: setup
	.venv/bin/python sample/make_sample.py

clean:
	rm -rf warehouse reports spark-warehouse build dist .cache/dist .cache/pytest-unit .cache/pytest-spark
