"""The docs site's generated facts: a mkdocs hook, and a script that prints them.

Pages say `<!-- generated: NAME -->` on a line of its own for a block, and
`<!-- fact: NAME -->` inline for a number; this hook replaces both at build time from the
package itself, so nothing that can go stale is typed by hand:

- config keys, their defaults and comments: the package's `data/defaults.yaml`;
- tables and steps: `registry.TABLES` and `registry.STEPS` (with the folder names of
  `warehouse.tables` in defaults.yaml, and the columns of the tables that have a schema);
- exit codes: `exitcodes.Exit` and `exitcodes.MEANING` (the README's table, byte for byte);
- the command line: `cli.parser()` and each tool's own `--help`, as the registry names it;
- the expectation count: the suite files in the package's `data/expectations/`;
- the sample corpus's answers: `sample/ground_truth.csv`;
- the NeurIPS 2024 metadata figures: `docs/figures/neurips2024-metadata.json`, written by
  `docs/gen_figures.py` from the same parser, matcher and counting rules as the pipeline.

An unknown name, a page that names a path of a build machine (under `/work` or `/tmp`) or a
table the registry does not know, fails the build (`mkdocs build --strict`).

Everything the generator imports from paperscope goes through `source()` below, and every
packaged file through `data_file()`: when a module moves, its line in SOURCES changes
and nothing else. The checkout's own `lib/` is imported (not an installed paperscope).

    python docs/gen_reference.py            # every generated block and fact, as Markdown
    python docs/gen_reference.py NAME ...   # some of them
    python docs/gen_reference.py --sync README.md    # rewrite the marked parts of a file
    python docs/gen_reference.py --check README.md   # exit 1 if a marked part is stale
"""
from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import re
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIB = REPO / "lib"
PACKAGE = "paperscope"

# Where each fact lives in the package: the one place to change when a module moves.
SOURCES = {
    "registry": "paperscope.core.registry",    # TABLES, STEPS
    "exitcodes": "paperscope.core.exitcodes",  # Exit, MEANING, markdown_table()
    "cli": "paperscope.cli.commands",          # parser(): the pipeline steps' flags
    "metadata": "paperscope.sources.metadata.rows",  # read_file(), STATUS_OK (gen_figures.py)
    "rules": "paperscope.counting.rules",      # count_rules(), RULES (gen_figures.py)
    "policy": "paperscope.core.policy",        # has_cn() (gen_figures.py)
    "flags": "paperscope.counting.flags",      # paper_flags() (gen_figures.py)
    "schemas": "paperscope.storage.schemas",   # struct(table), GOLD: every table's columns
    "words": "paperscope.report.words",        # answer(): the run's answer per year (run-output)
    "config": "paperscope.core.config",        # load_config(): the packaged defaults (run-output)
}
DATA = ("data",)  # the package's data folder: defaults.yaml, expectations/*.json


def _use_checkout() -> None:
    """Import paperscope from this checkout's lib/, whatever the venv has installed."""
    if str(LIB) not in sys.path:
        sys.path.insert(0, str(LIB))
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(str(LIB)):
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def source(name: str):
    """The paperscope module that holds `name`'s facts (see SOURCES)."""
    _use_checkout()
    return importlib.import_module(SOURCES[name])


def data_file(*parts: str):
    """A file shipped in the package's data folder (a Traversable: .read_text(), .iterdir())."""
    _use_checkout()
    from importlib import resources

    return resources.files(PACKAGE).joinpath(*DATA, *parts)


# ---------------------------------------------------------------------------------------
# Config keys: defaults.yaml with its comments
# ---------------------------------------------------------------------------------------

_KEY = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:][^:#]*?):(?:\s+(?P<value>[^#].*?))?\s*(?:#.*)?$")


def _mib(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1 << 20 and value % (1 << 20) == 0:
        n = value >> 20
        return f" ({n >> 10} GiB)" if n % 1024 == 0 else f" ({n} MiB)"
    return ""


def _show(value) -> str:
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (dict, list)):
        return "`" + json.dumps(value, ensure_ascii=False).replace('"', "") + "`" if value else f"`{json.dumps(value)}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    return f"`{value}`{_mib(value)}"


def config_groups() -> list[dict]:
    """defaults.yaml as groups: a comment and the keys right under it (no blank line between).

    Each group: section (top-level key), keys ([(dotted path, default)]), meaning (the
    comment's text). Every leaf of the parsed YAML must land in exactly one group.
    """
    import yaml

    text = data_file("defaults.yaml").read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    groups: list[dict] = []
    stack: list[tuple[int, str]] = []
    comment: list[str] = []
    current: dict | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            comment, current = [], None
            continue
        if stripped.startswith("#"):
            if current is not None:  # a comment after keys starts a new group
                current = None
            comment.append(stripped.lstrip("#").strip())
            continue
        m = _KEY.match(line)
        if not m:
            raise ValueError(f"defaults.yaml: cannot read line {line!r}")
        indent = len(m["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m["key"].strip().strip("'\"")))
        path = [k for _, k in stack]
        if not m["value"]:  # a block mapping: its children start a group (with any comment above it)
            current = None
            continue
        value = values
        for k in path:
            value = value[k]
        if current is None or comment:
            current = {"section": path[0], "keys": [], "meaning": " ".join(comment)}
            groups.append(current)
            comment = []
        current["keys"].append((path, value))
    # Every leaf of the YAML in one group, once.
    seen = [tuple(p) for g in groups for p, _ in g["keys"]]

    def leaves(node, prefix=()):
        if isinstance(node, dict) and node and not _flow_mapping(text, prefix):
            for k, v in node.items():
                yield from leaves(v, (*prefix, str(k)))
        else:
            yield prefix

    missing = [p for p in leaves(values) if p not in seen]
    if missing or len(seen) != len(set(seen)):
        raise ValueError(f"defaults.yaml: keys not documented once each: {missing or 'duplicates'}")
    return groups


def _flow_mapping(text: str, path: tuple) -> bool:
    """Whether the key at `path` holds an inline `{...}` (a value of its own, not children)."""
    return bool(path) and re.search(rf"^ *{re.escape(path[-1])}:\s*\{{", text, re.M) is not None


def _text(comment: str) -> str:
    """A comment as Markdown text: code spans kept, everything else literal (`<corpus>`, `**/*.pdf`, `|`)."""
    parts = re.split(r"(`[^`]*`)", comment)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"([\\*_\[\]|])", r"\\\1", parts[i]).replace("<", "&lt;").replace(">", "&gt;")
    return "".join(parts)


def _dotted(path: list[str]) -> str:
    return ".".join(f'"{k}"' if "." in k else k for k in path)


def config_keys() -> str:
    out = []
    section = None
    for g in config_groups():
        if g["section"] != section:
            section = g["section"]
            out += ["", f"### `{section}`", "", "| key | default | meaning |", "|---|---|---|"]
        keys = "<br>".join(f"`{_dotted(p)}`" for p, _ in g["keys"])
        defaults = "<br>".join(_show(v) for _, v in g["keys"])
        meaning = _text(g["meaning"]) or "-"
        out.append(f"| {keys} | {defaults} | {meaning} |")
    return "\n".join(out).lstrip() + "\n"


def n_config_keys() -> int:
    return sum(len(g["keys"]) for g in config_groups())


# ---------------------------------------------------------------------------------------
# Tables and steps: the registry
# ---------------------------------------------------------------------------------------


def _folders() -> dict[str, str]:
    import yaml

    return yaml.safe_load(data_file("defaults.yaml").read_text(encoding="utf-8"))["warehouse"]["tables"]


def _columns(table) -> str:
    """The table's columns from its schema (pyspark types, no Spark started)."""
    try:
        schemas = source("schemas")
    except ImportError as exc:  # the docs venv lacks pyspark: fail the strict build, loudly
        raise RuntimeError(f"the tables reference needs pyspark (pip install -e '.[spark,docs]'): {exc}") from None
    if not table.schema:
        return ", ".join(f"`{c.split()[0]}` {c.split()[1]}" for c in schemas.GOLD[table.name].split(", "))
    return ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schemas.struct(table.name).fields)


def tables() -> str:
    reg = source("registry")
    folders = _folders()
    out = ["| table (folder) | layer | one row per | partitioned by | written by | read by | gate suite |",
           "|---|---|---|---|---|---|---|"]
    for t in reg.TABLES:
        writers = [s.name for s in reg.STEPS if t.name in s.writes] or ["`paperscope review import`"]
        readers = [s.name for s in reg.STEPS if t.name in s.reads]
        out.append(f"| `{folders.get(t.name, t.name)}` | {t.layer} | {t.doc.replace('|', '/')} | "
                   f"{', '.join(t.partition_by) or '-'} | {', '.join(writers)} | {', '.join(readers) or '-'} | "
                   f"{t.suite or '-'} |")
    return "\n".join(out) + "\n"


def table_columns() -> str:
    reg = source("registry")
    folders = _folders()
    out = []
    for t in reg.TABLES:
        out += [f"#### `{folders.get(t.name, t.name)}`", "", _columns(t), ""]
    return "\n".join(out)


def steps() -> str:
    reg = source("registry")
    deps = reg.task_dependencies()
    out = ["| command | what it does | reads | writes | Spark | Databricks task (waits for) |",
           "|---|---|---|---|---|---|"]
    folders = _folders()
    for s in reg.STEPS:
        task = "yes" + (f" ({', '.join(deps[s.name])})" if deps.get(s.name) else "") if s.task else "-"
        out.append(f"| `paperscope {s.name}` | {s.help.replace('|', '/')} | "
                   f"{', '.join(folders.get(t, t) for t in s.reads) or '-'} | "
                   f"{', '.join(folders.get(t, t) for t in s.writes) or '-'} | {'yes' if s.spark else 'no'} | {task} |")
    return "\n".join(out) + "\n"


def run_output() -> str:
    """What `paperscope run` prints at its end on the sample, by the very function the command
    calls (cli.commands.where_lines), from the sample's ground truth."""
    import os
    import tempfile
    from types import SimpleNamespace

    import pandas as pd

    by_year: dict[int, list[dict]] = {}
    for r in _sample_rows():
        by_year.setdefault(int(r["year"]), []).append(r)
    collab = pd.DataFrame([{"year": y, "papers": len(rows),
                            "with_both": sum(r["has_us"] == "1" and r["has_cn"] == "1" for r in rows),
                            "with_unknown": sum(not r["countries"].strip() for r in rows)}
                           for y, rows in sorted(by_year.items())])
    cfg = source("config").load_config(None, ["warehouse.path=warehouse"])
    answers = source("words").answer(collab, None, cfg.affiliations.china_policy, cfg.aggregates.as_dict(), {}, None,
                                     cfg.reports.min_papers, cfg.review.confidence)
    run_id = "20261121T201821Z-c6dd5b"
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            run_dir = Path("reports") / run_id
            run_dir.mkdir(parents=True)
            (run_dir / "run.json").write_text(json.dumps({"answer": answers}), encoding="utf-8")
            (run_dir / "summary.md").write_text("", encoding="utf-8")
            run = SimpleNamespace(run_id=run_id, run_dir=run_dir, cfg=cfg, counts=None)
            lines = source("cli").where_lines(run, "run", 0)
        finally:
            os.chdir(here)
    return "\n".join(["```text", *lines, "```"]) + "\n"


def table_names() -> list[str]:
    folders = _folders()
    return [folders.get(t.name, t.name) for t in source("registry").TABLES]


def data_flow_tables() -> str:
    """The tables by layer, for the data-flow page (a check that the picture names them all)."""
    reg = source("registry")
    folders = _folders()
    out = []
    for layer in ("bronze", "silver", "gold"):
        names = [f"`{folders.get(t.name, t.name)}`" for t in reg.TABLES if t.layer == layer]
        out.append(f"- **{layer}** ({len(names)}): {', '.join(names)}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Exit codes, the command line, the gate's suites
# ---------------------------------------------------------------------------------------


def exit_codes() -> str:
    return source("exitcodes").markdown_table()


def _help(call) -> str:
    """What a parser prints for --help, at a fixed width."""
    import os

    out = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            call()
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return out.getvalue().rstrip()


def cli_help() -> str:
    reg = source("registry")
    cli = source("cli")
    blocks = [("paperscope --help", lambda: cli.parser().parse_args(["--help"]))]
    for s in reg.STEPS:
        if s.tool:
            module, _, attr = s.tool.partition(":")
            main = getattr(importlib.import_module(module), attr)
            blocks.append((f"paperscope {s.name} --help", lambda main=main: main(["--help"])))
        else:
            blocks.append((f"paperscope {s.name} --help",
                           lambda name=s.name: cli.parser().parse_args([name, "--help"])))
    out = []
    for title, call in blocks:
        out += [f"### `{title}`", "", "```text", _help(call), "```", ""]
    return "\n".join(out)


@cache
def suites() -> dict[str, int]:
    folder = data_file("expectations")
    return {p.name[:-5]: len(json.loads(p.read_text(encoding="utf-8"))["expectations"])
            for p in sorted(folder.iterdir(), key=lambda p: p.name) if p.name.endswith(".json")}


def _suite(name: str) -> dict:
    return json.loads(data_file("expectations", f"{name}.json").read_text(encoding="utf-8"))


def _kwargs(kwargs: dict) -> str:
    def show(v):
        if isinstance(v, dict) and "$PARAMETER" in v:
            return f"{v['$PARAMETER']} (set per run)"
        return json.dumps(v, ensure_ascii=False)
    return ", ".join(f"{k}={show(v)}" for k, v in kwargs.items())


def suite_expectations() -> str:
    """Every expectation of every suite: its type, arguments and the reason the suite gives."""
    out = []
    for name in suites():
        suite = _suite(name)
        out += [f"### `{name}`", "", _text(suite.get("notes", "")), "",
                "| expectation | arguments | why |", "|---|---|---|"]
        for e in suite["expectations"]:
            out.append(f"| `{e['type']}` | `{_kwargs(e['kwargs'])}` | {_text(e.get('notes') or '')} |")
        out.append("")
    return "\n".join(out)


def suites_table() -> str:
    out = ["| suite | expectations |", "|---|---:|"]
    out += [f"| `{name}` | {n} |" for name, n in suites().items()]
    out.append(f"| **all** | **{sum(suites().values())}** |")
    return "\n".join(out) + "\n"


def terms() -> str:
    """The shipped terms (the package's terms.yaml): name, kind, origin, variants."""
    import yaml

    entries = yaml.safe_load(data_file("terms.yaml").read_text(encoding="utf-8"))["terms"]
    out = ["| term | kind | origin | case-sensitive | variants | look-alikes left out |", "|---|---|---|---|---:|---:|"]
    for t in entries:
        origin = t.get("origin") or {}
        out.append(f"| {t['name']} | {t['kind']} | {origin.get('organisation') or '-'} ({origin.get('country') or '-'}) | "
                   f"{'yes' if t.get('case_sensitive') else 'no'} | {len(t.get('variants') or [])} | "
                   f"{len(t.get('exclude') or [])} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# The sample corpus and the NeurIPS 2024 metadata figures
# ---------------------------------------------------------------------------------------


def _sample_rows() -> list[dict]:
    with open(REPO / "sample" / "ground_truth.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sample_collaboration() -> str:
    """agg_collaboration of the sample run, as the tests assert it: from ground_truth.csv."""
    by_year: dict[int, list[dict]] = {}
    for r in _sample_rows():
        by_year.setdefault(int(r["year"]), []).append(r)
    out = ["| year | papers | with_us | with_cn | with_both | share_both | with_neither | with_unknown |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines = []
    for year, rows in sorted(by_year.items()):
        n = len(rows)
        us = sum(r["has_us"] == "1" for r in rows)
        cn = sum(r["has_cn"] == "1" for r in rows)
        both = sum(r["has_us"] == "1" and r["has_cn"] == "1" for r in rows)
        unknown = sum(not r["countries"].strip() for r in rows)
        neither = sum(bool(r["countries"].strip()) and r["has_us"] != "1" and r["has_cn"] != "1" for r in rows)
        out.append(f"| {year} | {n} | {us} | {cn} | {both} | {both / n:.1%} | {neither} | {unknown} |")
        if n > 1:
            lines.append(f"- {year}: {both} of {n} papers ({both / n:.1%}) involve authors at both US and "
                         "Chinese institutions.")
    return "\n".join(out) + "\n\n" + "\n".join(lines) + "\n"


def n_sample_pdfs() -> int:
    return len(_sample_rows())


FIGURES = Path(__file__).resolve().parent / "figures" / "neurips2024-metadata.json"


@cache
def figures() -> dict:
    return json.loads(FIGURES.read_text(encoding="utf-8"))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def neurips_rules() -> str:
    """Every counting rule x China policy x dual strings on the NeurIPS 2024 metadata."""
    fig = figures()
    rules = fig["rule_order"]
    out = ["| China | strings naming both | papers | " + " | ".join(r.replace("_", " ") for r in rules) + " |",
           "|---|---|---:|" + "---:|" * len(rules)]
    for row in fig["rules"]:
        cells = [f"{row['with_both'][r]:g} ({_pct(row['with_both'][r] / row['papers'])})" for r in rules]
        out.append(f"| {'mainland (CN)' if row['china_policy'] == 'mainland' else 'greater (CN, HK, MO, TW)'} | "
                   f"{'kept' if row['dual_strings'] else 'left out'} | {row['papers']:,} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def neurips_any_author() -> str:
    fig = figures()
    out = ["| China means | strings naming both countries | papers | with_us | with_cn | with_both | share | unknown |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in fig["rules"]:
        out.append(f"| {'mainland (CN)' if row['china_policy'] == 'mainland' else 'greater (CN, HK, MO, TW)'} | "
                   f"{'kept' if row['dual_strings'] else 'left out'} | {row['papers']:,} | {row['with_us']:,} | "
                   f"{row['with_cn']:,} | {row['with_both']['any_author']} | "
                   f"{row['with_both']['any_author'] / row['papers']:.2%} | {row['unknown']} |")
    return "\n".join(out) + "\n"


def _fig(*path):
    value = figures()
    for k in path:
        value = value[k]
    return value


def _rule_row(policy: str, dual: bool) -> dict:
    return next(r for r in figures()["rules"] if r["china_policy"] == policy and r["dual_strings"] == dual)


# Inline facts: <!-- fact: NAME -->
FACTS = {
    "n_tables": lambda: len(source("registry").TABLES),
    "n_steps": lambda: len(source("registry").STEPS),
    "n_suites": lambda: len(suites()),
    "n_expectations": lambda: sum(suites().values()),
    "n_config_keys": n_config_keys,
    "n_sample_pdfs": n_sample_pdfs,
    "n_terms": lambda: len(__import__("yaml").safe_load(data_file("terms.yaml").read_text(encoding="utf-8"))["terms"]),
    "nips_file": lambda: _fig("source", "file"),
    "nips_records": lambda: f"{_fig('source', 'records'):,}",
    "nips_papers": lambda: f"{_rule_row('mainland', True)['papers']:,}",
    "nips_any_author": lambda: _rule_row("mainland", True)["with_both"]["any_author"],
    "nips_any_author_share": lambda: _pct(_rule_row("mainland", True)["with_both"]["any_author"]
                                          / _rule_row("mainland", True)["papers"]),
    "nips_first_last": lambda: _rule_row("mainland", True)["with_both"]["first_last"],
    "nips_first_last_share": lambda: _pct(_rule_row("mainland", True)["with_both"]["first_last"]
                                          / _rule_row("mainland", True)["papers"]),
    "nips_first_or_last": lambda: _rule_row("mainland", True)["with_both"]["first_or_last"],
    "nips_min_share": lambda: _rule_row("mainland", True)["with_both"]["min_share"],
    "nips_min_authors": lambda: _rule_row("mainland", True)["with_both"]["min_authors"],
    "nips_fractional": lambda: f"{_rule_row('mainland', True)['with_both']['fractional']:g}",
    "nips_dual_effect": lambda: (_rule_row("mainland", True)["with_both"]["any_author"]
                                 - _rule_row("mainland", False)["with_both"]["any_author"]),
    "nips_greater_effect": lambda: (_rule_row("greater", True)["with_both"]["any_author"]
                                    - _rule_row("mainland", True)["with_both"]["any_author"]),
    "nips_ratio": lambda: f"{_rule_row('mainland', True)['with_both']['any_author'] / _fig('reference', 'with_both'):.1f}",
    "nips_strings": lambda: f"{_fig('diagnostics', 'strings'):,}",
    "nips_unresolved": lambda: f"{_fig('diagnostics', 'unresolved'):,}",
    "nips_unresolved_share": lambda: _pct(_fig("diagnostics", "unresolved") / _fig("diagnostics", "strings")),
    "nips_company_only": lambda: _fig("diagnostics", "us_company_only"),
    "nips_top_pair": lambda: _fig("diagnostics", "top_pair"),
    "ref_with_both": lambda: _fig("reference", "with_both"),
    "ref_papers": lambda: f"{_fig('reference', 'papers'):,}",
    "ref_share": lambda: _pct(_fig("reference", "with_both") / _fig("reference", "papers")),
    "ref_source": lambda: _fig("reference", "source"),
}

BLOCKS = {
    "config-keys": config_keys,
    "tables": tables,
    "table-columns": table_columns,
    "steps": steps,
    "run-output": run_output,
    "data-flow-tables": data_flow_tables,
    "exit-codes": exit_codes,
    "cli-help": cli_help,
    "suites": suites_table,
    "suite-expectations": suite_expectations,
    "terms": terms,
    "sample-collaboration": sample_collaboration,
    "neurips-rules": neurips_rules,
    "neurips-any-author": neurips_any_author,
}

# Hand-written pages that must name every table of the registry (the picture, the column guide).
NAME_EVERY_TABLE = {"concepts/data-flow.md", "concepts/tables.md"}
_BLOCK = re.compile(r"^<!-- generated: ([\w-]+) -->$", re.M)
_FACT = re.compile(r"<!-- fact: (\w+) -->")
# Paths of a build machine: never on a page (an example uses a relative or a home path).
_MACHINE_PATH = re.compile(r"(?<![\w.~])/(?:work|tmp)/")


def render(markdown: str, where: str = "page") -> str:
    def block(m):
        if m[1] not in BLOCKS:
            raise KeyError(f"{where}: unknown generated block {m[1]!r} (known: {', '.join(BLOCKS)})")
        return BLOCKS[m[1]]().rstrip("\n")

    def fact(m):
        if m[1] not in FACTS:
            raise KeyError(f"{where}: unknown fact {m[1]!r} (known: {', '.join(FACTS)})")
        return str(FACTS[m[1]]())

    out = _FACT.sub(fact, _BLOCK.sub(block, markdown))
    if where in NAME_EVERY_TABLE:
        missing = [t for t in table_names() if not re.search(rf"\b{re.escape(t)}\b", markdown)]  # by hand, not generated
        if missing:
            raise ValueError(f"{where}: does not name the tables {', '.join(missing)} (the registry has them)")
    bad = _MACHINE_PATH.search(out)
    if bad:
        line = out[:bad.start()].count("\n") + 1
        raise ValueError(f"{where}: line {line} names a path of a build machine: "
                         f"{out.splitlines()[line - 1].strip()!r}")
    return out


# ---------------------------------------------------------------------------------------
# mkdocs hook
# ---------------------------------------------------------------------------------------


def on_page_markdown(markdown, page, config, files):
    from mkdocs.exceptions import PluginError

    try:
        return render(markdown, page.file.src_uri)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise PluginError(str(exc)) from None


def on_post_page(output, page, config):
    """The rendered page too: no build-machine path from a generated block or the theme."""
    from mkdocs.exceptions import PluginError

    bad = _MACHINE_PATH.search(output)
    if bad:
        raise PluginError(f"{page.file.src_uri}: the built page names a build machine's path near "
                          f"{output[max(0, bad.start() - 60):bad.end() + 40]!r}")
    return output


# In a file read as it stands (the README), a generated part keeps its value between markers,
# so the file reads well on its own and `--sync`/`--check` keep it current:
#   <!-- generated: NAME -->\n...\n<!-- /generated -->      <!-- fact: NAME -->42<!-- /fact -->
_SYNCED_BLOCK = re.compile(r"^(<!-- generated: ([\w-]+) -->\n).*?(^<!-- /generated -->$)", re.M | re.S)
_SYNCED_FACT = re.compile(r"(<!-- fact: (\w+) -->).*?(<!-- /fact -->)")


def sync(text: str) -> str:
    """The file with every marked part regenerated."""
    text = _SYNCED_BLOCK.sub(lambda m: m[1] + BLOCKS[m[2]]().rstrip("\n") + "\n" + m[3], text)
    return _SYNCED_FACT.sub(lambda m: m[1] + str(FACTS[m[2]]()) + m[3], text)


def main(argv: list[str]) -> int:
    if argv[:1] in (["--sync"], ["--check"]):
        stale = []
        for name in argv[1:]:
            path = Path(name)
            old = path.read_text(encoding="utf-8")
            new = sync(old)
            bad = _MACHINE_PATH.search(new)
            if bad:
                print(f"{name}: names a path of a build machine near {new[max(0, bad.start() - 40):bad.end() + 20]!r}",
                      file=sys.stderr)
                return 1
            if new != old:
                stale.append(name)
                if argv[0] == "--sync":
                    path.write_text(new, encoding="utf-8")
        verb = "rewrote" if argv[0] == "--sync" else "stale (run --sync)"
        print(f"{verb}: {', '.join(stale)}" if stale else "up to date: " + ", ".join(argv[1:]))
        return 1 if stale and argv[0] == "--check" else 0
    names = argv or [*BLOCKS, *FACTS]
    for name in names:
        if name in BLOCKS:
            print(f"<!-- {name} -->\n{BLOCKS[name]()}")
        elif name in FACTS:
            print(f"{name}: {FACTS[name]()}")
        else:
            print(f"unknown: {name} (blocks: {', '.join(BLOCKS)}; facts: {', '.join(FACTS)})", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
