"""The typed settings: what each key of data/defaults.yaml may hold (never what it holds by default).

One frozen Settings object, validated once, is passed to every step; attributes are read
(settings.extract.timeout_seconds), never string keys. The defaults live only in
data/defaults.yaml; core.config overlays a YAML file, --set KEY=VALUE and flags on them.
"""
from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from paperscope.core import policy


class ConfigError(ValueError):
    """A config that cannot be used; the message is meant for the user as is."""


def _number(value: Any) -> Any:
    """int or float, never a bool (YAML's yes/true) nor a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _years(value: Any) -> Any:
    """A list of years from a YAML list, one year, or '2024,2025' off the command line."""
    if value in (None, ""):
        return []
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [v for v in str(value).split(",") if v.strip()]
    try:
        return sorted({int(v) for v in value})
    except (TypeError, ValueError):
        raise ValueError("must be a list of years") from None


def _regex(value: Any) -> Any:
    if isinstance(value, str):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"must be a valid regex ({exc})") from None
    return value


def _spark_conf(value: Any) -> Any:
    """Spark settings are strings; YAML numbers and booleans are written as Spark expects."""
    if not isinstance(value, dict):
        raise ValueError("must be a mapping of Spark settings")
    return {str(k): (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}


def _year_counts(value: Any) -> Any:
    try:
        return {int(y): int(n) for y, n in (value or {}).items()}
    except (TypeError, ValueError, AttributeError):
        raise ValueError("must map years to counts, e.g. {2025: 5290}") from None


Count = Annotated[int, Field(ge=0)]


Number = Annotated[int | float, BeforeValidator(_number)]


Years = Annotated[list[int], BeforeValidator(_years)]


Regex = Annotated[str, BeforeValidator(_regex)]


# Paths stay strings: they may be hdfs://, s3a:// or dbfs:/ URIs as well as local paths.
PathStr = Annotated[str, Field(min_length=1)]


Url = Annotated[str, Field(min_length=1)]


ChinaPolicy = Literal[tuple(policy.CHINA_POLICIES)]  # type: ignore[valid-type]


# The engines that can read the body pages (paper.body); the first is the default in defaults.yaml.
BodyEngine = Literal["pdfium", "pdfminer"]
# The engines that can read page one's characters for the header reader (paper.pdf); pdfminer is the reference.
HeaderEngine = Literal["pdfminer", "pdfminer-lean", "pdfium"]


Rule = Literal[policy.RULES]  # type: ignore[valid-type]


class Section(BaseModel):
    """A frozen group of settings, read as attributes (settings.extract.timeout_seconds)."""
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True)

    def value(self, dotted: str) -> Any:
        """The value under a dotted YAML key ("affiliations.china_policy"), for keys that
        are data themselves (the registry's step settings)."""
        node: Any = self
        for part in dotted.split("."):
            fields = type(node).model_fields
            node = getattr(node, next(n for n, f in fields.items() if part in (n, f.alias)))
        return node

    def as_dict(self) -> dict:
        """Plain data under the YAML keys (for run.json, the report and fingerprints)."""
        return self.model_dump(by_alias=True)


class Input(Section):
    corpus: str | None
    manifest: str | None
    years: Years
    glob: Annotated[str, Field(min_length=1)]
    max_field_chars: Annotated[int, Field(gt=0)]


class Warehouse(Section):
    path: PathStr
    catalog: str | None
    schema_: str | None = Field(alias="schema")
    tables: dict[str, Annotated[str, Field(min_length=1)]]


class Reference(Section):
    """A published figure shown beside the rules table (reports.references); never used to tune."""
    papers: Annotated[int, Field(ge=0)]
    with_both: Annotated[int, Field(ge=0)]
    source: str


class Reports(Section):
    path: PathStr
    seed: Count
    top_terms: Count
    html_rows: Count
    references: dict[int, "Reference"]
    top_pairs: Count
    min_papers: Count


class Spark(Section):
    master: str | None
    app_name: str
    progress: Literal["auto", "always", "never"]
    progress_interval_s: Annotated[Number, Field(gt=0)]
    driver_jobs: Annotated[int, Field(ge=1)]
    conf: Annotated[dict[str, str], BeforeValidator(_spark_conf)]


class Jar(Section):
    coordinate: Annotated[str, Field(pattern=r"^[^:\s]+:[^:\s]+:[^:\s]+$")]
    sha1: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]


class Delta(Section):
    jar_cache: PathStr
    maven_repository: str
    jars: list[Jar]
    conflict_retries: Count
    conflict_backoff_s: Annotated[Number, Field(ge=0)]
    read_back: bool


class Extract(Section):
    max_pages: Count
    header_chars: Count
    layout_pages: Count
    timeout_seconds: Annotated[Number, Field(ge=0)]
    max_bytes: Count
    max_memory_bytes: Count
    max_stream_bytes: Count
    papers_per_child: Count
    page_limit: Count
    partitions: Count
    max_tasks_per_core: Annotated[int, Field(ge=1)]
    driver_hash_bytes: Count
    reextract: bool
    skip_unchanged_run: bool
    body_engine: BodyEngine
    header_engine: HeaderEngine


class Affiliations(Section):
    china_policy: ChinaPolicy
    ror_dump: str | None
    fuzzy_threshold: Annotated[Number, Field(ge=0, le=101)]
    count_former: bool


class Polite(Section):
    """A polite client's retries: the downloader's and the paper lists' (sources) alike."""
    retries: Count
    backoff_s: Annotated[Number, Field(ge=0)]
    backoff_max_s: Annotated[Number, Field(ge=0)]
    timeout_s: Annotated[Number, Field(gt=0)]
    retry_after_max_s: Annotated[Number, Field(ge=0)]


class Download(Polite):
    corpus: str | None
    manifest: str | None
    concurrency: Annotated[int, Field(ge=1)]
    rate_per_s: Annotated[Number, Field(gt=0)]
    file_deadline_s: Annotated[Number, Field(gt=0)]
    speed_limit_bps: Annotated[Number, Field(ge=0)]
    speed_time_s: Annotated[Number, Field(gt=0)]
    progress_every: Annotated[int, Field(ge=1)]
    max_bytes: Annotated[int, Field(gt=0)]
    contact: str | None
    paper_link: Regex
    pdf_link: Regex


class Metadata(Section):
    source: str | None
    max_record_chars: Annotated[int, Field(gt=0)]
    format: Literal["auto", "nips-json", "paperlists", "sources"]
    year: Annotated[int, Field(ge=1900, le=2100)] | None
    compare_with: str | None

    @model_validator(mode="before")
    @classmethod
    def _year_from_source(cls, data: Any) -> Any:
        """No year given: the year in the source file's name, resolved once here."""
        if isinstance(data, dict) and data.get("year") is None and isinstance(data.get("source"), str):
            return {**data, "year": policy.year_in_name(Path(data["source"]).name)}
        return data


# Where an author's affiliation was read (sources.program.base.PROVENANCES), whose
# order sources.precedence gives.
Provenance = Literal["pdf", "submission", "virtual", "metadata", "profile"]


class Sources(Polite):
    dir: str | None
    cache: str | None
    virtual_url: Url
    openreview_api: Url
    openreview_site: Url
    page_size: Annotated[int, Field(ge=1, le=1000)]
    paging: Literal["after", "offset"]
    profile_batch: Annotated[int, Field(ge=1, le=1000)]
    rate_per_s: Annotated[Number, Field(ge=0)]
    max_bad_share: Annotated[Number, Field(ge=0, le=1)]
    history_fallback: bool
    precedence: Annotated[list[Provenance], Field(min_length=1)]
    reconcile: bool

    @model_validator(mode="after")
    def _each_once(self) -> "Sources":
        if len(set(self.precedence)) != len(self.precedence):
            raise ValueError("'sources.precedence' names a source twice")
        return self


class Aggregates(Section):
    rules: Annotated[list[Rule], Field(min_length=1)]
    headline_rule: Rule
    min_share: Annotated[Number, Field(gt=0, le=1)]
    min_authors: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _headline_is_computed(self) -> "Aggregates":
        if self.headline_rule not in self.rules:
            raise ValueError(f"'aggregates.headline_rule' {self.headline_rule} must be one of 'aggregates.rules'")
        return self


class Furniture(Section):
    """mentions.furniture: running heads and footers, and the notes that cut a sentence at a page end."""
    edge_lines: Annotated[int, Field(ge=1)]
    min_pages: Annotated[int, Field(ge=1)]
    min_share: Annotated[Number, Field(ge=0, le=1)]
    note_lines: Count


class MentionSections(Section):
    """mentions.sections: headings, table rows and captions."""
    max_title_words: Annotated[int, Field(ge=1)]
    list_lookahead: Count
    row_numbers: Annotated[int, Field(ge=1)]
    row_share: Annotated[Number, Field(ge=0, le=1)]
    caption_lines: Annotated[int, Field(ge=1)]


class Use(Section):
    """mentions.use: the windows of the signals that say a paper uses a term."""
    verb_gap: Count
    object_gap: Count
    our_gap: Count
    title_chars: Count
    snippet_chars: Count
    baseline_reach: Count


class Mentions(Section):
    terms_file: str | None
    scope: Literal["body", "full"]
    timeout_seconds: Annotated[Number, Field(ge=0)]
    furniture: Furniture
    sections: MentionSections
    use: Use


class Quality(Section):
    reuse_unchanged: bool
    engine: Literal["pandas", "spark"]
    expectations_dir: str | None
    min_ok_share: Annotated[Number, Field(ge=0, le=1)]
    expected_papers: Annotated[dict[int, Annotated[int, Field(ge=0)]], BeforeValidator(_year_counts)]
    allowed_years: Years


class Review(Section):
    strata: dict[Literal["sources", "us_cn", "weak", "unknown", "rest"], Count]
    weak_methods: list[str]
    block_chars: Count
    snippet_chars: Count
    confidence: Annotated[Number, Field(gt=0, lt=1)]
    target_width: Annotated[Number, Field(gt=0, le=1)]
    max_note_chars: Annotated[int, Field(gt=0)]


class Cache(Section):
    dir: PathStr


class Settings(Section):
    """The resolved configuration of a run: every key of data/defaults.yaml, validated."""
    input: Input
    warehouse: Warehouse
    reports: Reports
    spark: Spark
    delta: Delta
    extract: Extract
    affiliations: Affiliations
    download: Download
    metadata: Metadata
    sources: Sources
    aggregates: Aggregates
    mentions: Mentions
    quality: Quality
    review: Review
    cache: Cache

    @model_validator(mode="after")
    def _together(self) -> "Settings":
        if not self.input.corpus and not self.input.manifest:
            raise ValueError("set 'input.corpus' or 'input.manifest'")
        if bool(self.warehouse.catalog) != bool(self.warehouse.schema_):
            raise ValueError("set both 'warehouse.catalog' and 'warehouse.schema' (Unity Catalog tables), or neither")
        return self

    def with_values(self, changes: dict[str, Any]) -> "Settings":
        """A copy with dotted keys set ({'warehouse.path': ...}; a mapping replaces the old
        one whole), validated again: how tests and callers derive one run's settings."""
        data = self.as_dict()
        for key, value in changes.items():
            *parents, last = key.split(".")
            node = data
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or last not in node:
                raise ConfigError(f"unknown config key '{key}'")
            node[last] = copy.deepcopy(value)
        return _validate(data, {key: "with_values" for key in changes})



_PROBLEMS = {
    "greater_than_equal": "must be >= {ge}", "greater_than": "must be > {gt}", "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}", "literal_error": "must be one of {expected}", "string_type": "must be a string",
    "int_type": "must be a whole number", "int_from_float": "must be a whole number", "float_type": "must be a number",
    "bool_type": "must be true or false", "dict_type": "must be a mapping", "list_type": "must be a list",
    "string_too_short": "must not be empty", "string_pattern_mismatch": "must match {pattern}",
    "finite_number": "must be a finite number", "missing": "is missing", "extra_forbidden": "is not a known key",
    "model_type": "must be a mapping", "model_attributes_type": "must be a mapping",
}


def _message(error: dict, origin: dict[str, str]) -> str:
    """One pydantic error as one line: where it came from, the key, the problem, the value."""
    loc = [str(p) for p in error["loc"]]
    # A union's member types (int, float) are not part of the key.
    while loc and loc[-1] in ("int", "float", "str"):
        loc.pop()
    key = ".".join("schema" if p == "schema_" else p for p in loc)
    if error["type"] == "value_error":
        problem = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    else:
        template = _PROBLEMS.get(error["type"])
        problem = template.format(**error.get("ctx", {})) if template else error["msg"][:1].lower() + error["msg"][1:]
    if not key:  # a rule over several keys: its message names them
        return f"config: {problem}"
    layer = next((origin[k] for k in (key, *_parents(key)) if k in origin), "defaults")
    got = "" if error["type"] in ("missing", "extra_forbidden") else f" (got {error['input']!r})"
    return f"config {layer}: {key} {problem}{got}"


def _parents(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def _validate(data: dict, origin: dict[str, str]) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_message(exc.errors(include_url=False)[0], origin)) from None

