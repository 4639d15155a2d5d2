"""The journal's schema is written once (`journal.tables`); the ORM classes only type it."""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Any

from trimtab.journal import models, tables


def _annotated(cls: type) -> dict[str, tuple[type, bool]]:
    """Each `Mapped[...]` annotation of `cls`: its Python type and whether it may be None."""
    out = {}
    for name, hint in typing.get_type_hints(cls, {**vars(models), "models": models}).items():
        if typing.get_origin(hint) is not models.Mapped:
            continue
        (inner,) = typing.get_args(hint)
        args = typing.get_args(inner) if isinstance(inner, types.UnionType) else (inner,)
        out[name] = (next(a for a in args if a is not type(None)), type(None) in args)
    return out


def _columns(table: Any) -> dict[str, tuple[type, bool]]:
    return {c.name: (c.type.python_type, bool(c.nullable)) for c in table.columns}


def test_every_table_has_one_class_whose_annotations_are_its_columns() -> None:
    """A column added to a table but not to its class (or typed apart) would read as an
    attribute the type checker does not know, or knows wrong."""
    mapped = {m.local_table.name: m.class_ for m in models.Base.registry.mappers}
    assert set(mapped) == set(tables.metadata.tables)
    for name, cls in mapped.items():
        assert _annotated(cls) == _columns(tables.metadata.tables[name]), name


def test_a_class_typed_apart_from_its_table_is_found() -> None:
    class Stray:
        id: models.Mapped[str]
        created_at: models.Mapped[datetime]
        snapshot_id: models.Mapped[int]
        analysis_id: models.Mapped[int | None]
        status: models.Mapped[str]
        reason: models.Mapped[str]  # the table lets it be NULL
        document: models.Mapped[str]

    assert _annotated(models.PlanRow) == _columns(tables.plans)
    assert _annotated(Stray) != _columns(tables.plans)
