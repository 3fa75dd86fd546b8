"""Digests of the code a function really runs, so that re-runs follow changes of behaviour.

A step's output depends on the functions and constants it reaches through calls, not on
whole modules: digesting every module a step imports made a comment in the matcher
recompute every table. Here a target "module:function" is followed through the names
its definition uses (definitions of its module, names imported from the package, a
module's attributes), transitively; a module used as a value (passed around whole)
counts whole. Each definition is digested as its syntax tree without docstrings and
type annotations, so comments, docstrings and formatting change nothing.

The sources are read through importlib.resources, which also works when the package is
imported from a zipped wheel under spark-submit. Importing this module starts no Spark.
"""
from __future__ import annotations

import ast
import copy
import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

PACKAGE = "paperscope"
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _walk(folder, prefix: str) -> Iterator[tuple[str, object, bool]]:
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name not in ("data", "__pycache__") and not entry.name.startswith("."):
            if entry.joinpath("__init__.py").is_file():
                yield from _walk(entry, f"{prefix}.{entry.name}")
        elif entry.name.endswith(".py"):
            package = entry.name == "__init__.py"
            yield (prefix if package else f"{prefix}.{entry.name[:-3]}"), entry, package


@functools.cache
def _files() -> dict[str, tuple[bytes, bool]]:
    return {name: (entry.read_bytes(), package) for name, entry, package in _walk(resources.files(PACKAGE), PACKAGE)}


def modules() -> dict[str, bytes]:
    """Every module of the package by dotted name, with its source bytes."""
    return {name: source for name, (source, _) in _files().items()}


def packages() -> frozenset[str]:
    return frozenset(name for name, (_, package) in _files().items() if package)


@dataclass(frozen=True)
class Module:
    """One module's top-level names: what each is bound to, and its loose statements."""
    name: str
    defs: dict[str, ast.AST]  # functions, classes, assignments (and the statement binding a name)
    imports: dict[str, tuple[str, str | None]]  # local name -> (module, attribute or None)
    loose: tuple[ast.AST, ...]  # statements run at import that bind nothing (a patch of another module)


def absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (resolving `from . import x`)."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if module in packages() else parts[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def import_bindings(module: str, nodes: Iterable[ast.AST]) -> dict[str, tuple[str, str | None]]:
    """Names bound by the import statements among nodes: name -> (module, attribute)."""
    known = modules()
    out: dict[str, tuple[str, str | None]] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    out[top] = (top, None)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(module, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out[alias.asname or alias.name] = (sub, None) if sub in known else (base, alias.name)
    return out


def _bound(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def parse(module: str) -> Module:
    return _parse(module, modules()[module])


@functools.cache
def _parse(module: str, source: bytes) -> Module:
    """The module's names as its source binds them (cached by the source itself)."""
    tree = ast.parse(source, filename=module)
    defs: dict[str, ast.AST] = {}
    loose: list[ast.AST] = []
    top_imports = []
    for node in tree.body:
        if isinstance(node, _DEFS):
            defs[node.name] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            top_imports.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n for t in targets if isinstance(t, (ast.Name, ast.Tuple, ast.List)) for n in _bound(t)]
            for name in names:
                defs[name] = node
            if not names:
                loose.append(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module's docstring
        else:
            # try/if/for at the top: the names it binds point at it, and it runs at import.
            top_imports += [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
            for sub in ast.walk(node):
                if isinstance(sub, _DEFS):
                    defs.setdefault(sub.name, node)
                elif isinstance(sub, (ast.Assign, ast.AnnAssign)):
                    for t in (sub.targets if isinstance(sub, ast.Assign) else [sub.target]):
                        for name in _bound(t):
                            defs.setdefault(name, node)
            loose.append(node)
    return Module(module, defs, import_bindings(module, top_imports), tuple(loose))


class _Uses(ast.NodeVisitor):
    """Names and attribute chains a definition uses, annotations left out."""

    def __init__(self):
        self.names: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()  # (name, first attribute)
        self.bare: set[str] = set()  # names used other than as the base of an attribute

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name):
            self.names.add(node.value.id)
            self.attributes.add((node.value.id, node.attr))
        else:
            self.visit(node.value)

    def visit_Name(self, node: ast.Name):
        self.names.add(node.id)
        self.bare.add(node.id)

    def visit_arg(self, node: ast.arg):
        return None  # its annotation does not run

    def _function(self, node):
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        for stmt in node.body:
            self.visit(stmt)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_AnnAssign(self, node: ast.AnnAssign):
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)


Key = tuple[str, str]  # (module, top-level name); name "*" is the whole module


def _resolve(module: str, name: str, seen: set[tuple[str, str]] | None = None) -> Key | None:
    """(module, name) of a package definition, following re-exports; None outside the package."""
    seen = seen or set()
    if (module, name) in seen or module not in modules():
        return None
    seen.add((module, name))
    m = parse(module)
    if name in m.defs:
        return module, name
    if name in m.imports:
        target, attr = m.imports[name]
        if attr is None:
            return (target, "*") if target in modules() else None
        return _resolve(target, attr, seen)
    return None


def _edges(key: Key) -> set[Key]:
    """The package definitions a definition (or a whole module, "*") uses."""
    module, name = key
    m = parse(module)
    nodes = list(m.defs.values()) if name == "*" else [m.defs[name]]
    nodes += list(m.loose)
    out: set[Key] = set()
    for node in {id(n): n for n in nodes}.values():
        uses = _Uses()
        uses.visit(node)
        local = {**m.imports, **import_bindings(module, [n for n in ast.walk(node)
                                                        if isinstance(n, (ast.Import, ast.ImportFrom))])}
        for used in uses.names:
            if used in m.defs and used not in local:
                out.add((module, used))
                continue
            if used not in local:
                continue
            target, attr = local[used]
            if attr is not None:
                found = _resolve(target, attr)
                if found:
                    out.add(found)
                continue
            if target not in modules():
                continue
            if used in uses.bare:
                out.add((target, "*"))
            for base, attribute in uses.attributes:
                if base == used:
                    found = _resolve(target, attribute)
                    out.add(found if found else (target, "*"))
    return out


@functools.cache
def reach(*targets: str) -> frozenset[Key]:
    """Every package definition the "module:function" targets use, themselves included."""
    todo = []
    for target in targets:
        module, _, name = target.partition(":")
        found = _resolve(module, name) if name else (module, "*")
        if found is None:
            raise LookupError(f"{target} not found in the package")
        todo.append(found)
    seen: set[Key] = set()
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(_edges(key) - seen)
    return frozenset(seen)


class _Plain(ast.NodeTransformer):
    """A definition as behaviour: docstrings and annotations removed."""

    def _body(self, node):
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_FunctionDef(self, node):
        node.returns = None
        return self._body(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = _body

    def visit_arg(self, node):
        node.annotation = None
        return node

    def visit_AnnAssign(self, node):
        self.generic_visit(node)
        node.annotation = ast.Constant(None)
        return node


def _plain(node: ast.AST, own: bool = False) -> str:
    """own: the node is a fresh parse nobody else holds, stripped in place (no copy)."""
    return ast.dump(_Plain().visit(node if own else copy.deepcopy(node)), include_attributes=False)


def _key_text(key: Key) -> str:
    return _text(key, modules()[key[0]])


@functools.cache
def _text(key: Key, source: bytes) -> str:
    module, name = key
    # A whole module (the package's digest, on every run) is parsed afresh and stripped in
    # place: copying each cached definition first took seconds for the package.
    own = name == "*"
    m = _parse.__wrapped__(module, source) if own else _parse(module, source)
    nodes = list(m.defs.values()) if own else [m.defs[name]]
    nodes += list(m.loose)
    return "\n".join(_plain(n, own) for n in {id(n): n for n in nodes}.values())


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def digest(*targets: str) -> str:
    """Digest of what the "module:function" targets run (module alone: the whole module)."""
    keys = sorted(reach(*targets))
    return _digest(part for key in keys for part in (f"{key[0]}:{key[1]}", _key_text(key)))


def modules_digest(prefix: str = PACKAGE) -> str:
    """Digest of every module under a dotted prefix, each as behaviour (for caches keyed on
    a package's code: the matcher's index; the whole package for the fast re-run)."""
    names = sorted(n for n in modules() if n == prefix or n.startswith(prefix + "."))
    return _digest(part for name in names for part in (name, _key_text((name, "*"))))
