"""assert_df_equality for small DataFrames (what chispa offers, in a few lines): the same
columns with the same types, and the same rows, in order or as a multiset."""
from __future__ import annotations


def _types(df) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in df.schema.fields]


def assert_df_equality(actual, expected, *, ignore_row_order: bool = False, ignore_nullable: bool = True) -> None:
    """Fail with the first difference: columns and types (nullability ignored by default), then rows."""
    if ignore_nullable:
        assert _types(actual) == _types(expected), f"schemas differ:\n  {_types(actual)}\n  {_types(expected)}"
    else:
        assert actual.schema == expected.schema, f"schemas differ:\n  {actual.schema}\n  {expected.schema}"
    got, want = [tuple(r) for r in actual.collect()], [tuple(r) for r in expected.collect()]
    if ignore_row_order:
        got, want = sorted(got, key=repr), sorted(want, key=repr)
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}:\n  {got}\n  {want}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"row {i} differs:\n  {g}\n  {w}"
