# The two commands of the README: `./spark-submit.sh` runs the sample; `make test` tests.
.PHONY: test test-fast setup setup-test sample clean

setup:
	./scripts/bootstrap.sh

# What the tests need besides: the docs extra (mkdocs) and, as root, Debian's chromium.
setup-test:
	./scripts/bootstrap.sh --test

# Every lane: unit beside spark, e2e and deploy (scripts/lanes.sh; docs/development/tests.md).
test: setup-test
	UNIT_NICE=10 ./scripts/lanes.sh "spark or e2e or deploy"

# The edit loop: unit tests beside the small-frame Spark tests, less those marked slow.
test-fast: setup-test
	./scripts/lanes.sh "spark" "not slow"

sample: setup
	.venv/bin/python sample/make_sample.py

clean:
	rm -rf warehouse reports spark-warehouse build dist .cache/dist .cache/pytest-unit .cache/pytest-spark
