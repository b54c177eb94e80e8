"""The layout stays true: imports only point down the layers, and nothing imports a generic top-level name.

`LAYERS` is the rule, in this one place (docs/architecture.md shows it as a picture): each layer of the
package `fauxforce` and the layers it may import. A module may always import its own layer. Imports
inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "fauxforce"

LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset(),  # settings, warehouse, catalogue, ledger, Salesforce facts: imports nothing else
    "generators": frozenset({"core"}),
    "connectors": frozenset({"core"}),
    # serves a generated org, or any folder typed as silver types it (so the folder served reaches the same silver)
    "mock": frozenset({"core", "generators", "silver"}),
    "bronze": frozenset({"core", "connectors"}),
    "silver": frozenset({"core", "bronze"}),
    "gold": frozenset({"core"}),  # reads silver through SQL only
    "report": frozenset({"core"}),  # reads gold and the ledger through SQL only
    "flows": frozenset({"core", "generators", "connectors", "bronze", "silver", "gold", "report", "writeback"}),
    # scores a generated org against a reference: reads exports as the csv connector does, types as silver does
    "profile": frozenset({"core", "generators", "connectors", "silver"}),
    # writes to an org: exports (load-org) and gold (sync) through the salesforce connector's client
    "writeback": frozenset({"core", "connectors"}),
    "cli": frozenset(
        {"core", "generators", "connectors", "bronze", "silver", "gold", "report", "mock", "flows", "profile"}
        | {"writeback"}
    ),
}
SUBPACKAGES = {name: name for name in LAYERS if name != "cli"} | {"warehouse_sql": "core"}
GENERIC = ("connectors", "generators", "flows", "warehouse_sql", "deployments")  # never importable on their own


def layer_of(module: str) -> str | None:
    """The layer a `fauxforce…` module belongs to (None for modules outside the package)."""
    parts = module.split(".")
    if parts[0] != "fauxforce":
        return None
    if len(parts) == 1:
        return "core"  # the package's __init__: its version only
    if parts[1] in ("cli", "doctor"):  # the command and its checks of a whole run's set-up
        return "cli"
    if parts[1] not in SUBPACKAGES:
        raise AssertionError(f"{module}: no layer is declared for fauxforce.{parts[1]}; add it to LAYERS")
    return SUBPACKAGES[parts[1]]


def imports(source: str, module: str) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in a module's source, relative ones resolved."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            yield node.lineno, base
            for alias in node.names:  # `from fauxforce import bronze` imports the subpackage
                if base == "fauxforce" and not alias.name.startswith("__"):
                    yield node.lineno, f"fauxforce.{alias.name}"


def violations(source: str, module: str, where: str) -> list[str]:
    """Every import in `source` that breaks the rule, as `file:line: what`."""
    found = []
    own = layer_of(module)
    for line, name in imports(source, module):
        top = name.split(".")[0]
        if top in GENERIC:
            found.append(f"{where}:{line}: imports {name}; import fauxforce.{name} instead")
            continue
        target = layer_of(name)
        if own is None or target is None or target == own:
            continue
        if target not in LAYERS[own]:
            found.append(f"{where}:{line}: {own} imports {name} ({target}); {own} may import {sorted(LAYERS[own])}")
    return found


def package_modules() -> Iterator[tuple[str, Path]]:
    """(module name, file) of every module of the installed package, the linked rooms included."""
    paths = [Path(d, f) for d, _, names in os.walk(PACKAGE, followlinks=True) for f in names if f.endswith(".py")]
    for path in sorted(paths):  # the walk follows the links to connectors/, generators/, flows/
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = ["fauxforce", *rel.parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def test_every_import_points_down_the_layers() -> None:
    modules = list(package_modules())
    seen = {m.split(".")[1] for m, _ in modules if m.count(".")}
    assert {"core", "connectors", "generators", "flows", "bronze", "silver", "gold", "mock"} <= seen
    found = [v for m, path in modules for v in violations(path.read_text(encoding="utf-8"), m, str(path))]
    assert not found, "\n".join(found)


def test_scripts_and_tests_import_the_package_not_generic_names() -> None:
    found = []
    for folder in ("tests", "benchmarks", "deployments"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found += violations(path.read_text(encoding="utf-8"), f"{folder}.{path.stem}", str(path))
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("fauxforce.core.catalogue", "from fauxforce.silver.conform import conform", "core imports"),
        ("fauxforce.connectors.files", "import fauxforce.bronze.land", "connectors imports"),
        ("fauxforce.silver.build", "def f():\n    from fauxforce.gold.build import build_gold", "silver imports"),
        ("fauxforce.generators.org", "from fauxforce.connectors import base", "generators imports"),
        ("fauxforce.gold.build", "from fauxforce import silver", "gold imports"),
        ("fauxforce.flows.load_bronze", "from connectors.base import Batch", "import fauxforce.connectors"),
        ("fauxforce.bronze.land", "from ..silver import conform", "bronze imports"),
    ],
)
def test_the_rule_catches_a_backward_import(module: str, source: str, expected: str) -> None:
    (found,) = violations(source, module, "x.py")
    assert expected in found


def test_the_rule_allows_imports_down_and_within_a_layer() -> None:
    assert not violations(
        "from fauxforce.core import ledger\nfrom fauxforce.bronze.land import land", "fauxforce.silver.build", "x"
    )
    assert not violations("from . import conform\nfrom .parse import PARSERS", "fauxforce.silver.build", "x")
    assert not violations("from fauxforce.flows.medallion_pipeline import medallion_pipeline", "fauxforce.cli", "x")


def test_the_package_installs_no_generic_top_level_names() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'include = ["fauxforce*"]' in pyproject
    for name in ("connectors", "generators", "flows", "warehouse_sql"):
        link = PACKAGE / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve(), name
