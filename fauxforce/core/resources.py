"""The project's SQL files, read as package data (`fauxforce.warehouse_sql`), so a wheel works anywhere.

`warehouse_sql/<layer>/<name>.sql` in the checkout is `fauxforce/warehouse_sql/<layer>/<name>.sql` once
installed; both are read through `importlib.resources`, never through a path relative to this file.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

PACKAGE = "fauxforce.warehouse_sql"


def sql_folder(layer: str) -> Traversable:
    """The folder of one layer's SQL files (`silver`, `gold`, `tests`)."""
    folder = files(PACKAGE).joinpath(layer)
    if not folder.is_dir():
        raise FileNotFoundError(f"no SQL folder {layer!r} in {PACKAGE}; is the package installed whole?")
    return folder


def sql_files(layer: str) -> list[Traversable]:
    """One layer's `.sql` files, by name."""
    return sorted((f for f in sql_folder(layer).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)


def sql(layer: str, name: str) -> str:
    """The text of one SQL file."""
    return sql_folder(layer).joinpath(name).read_text(encoding="utf-8")
