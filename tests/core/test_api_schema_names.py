"""The API names each schema and each operation once: two different schemas under one class name would be documented
as one of them (django-ninja keys components by class name), and two operations under one URL name make
``reverse`` answer with the wrong one."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel

import lijiao.api  # imports every app's schemas


def _subclasses(cls: type[Any]) -> set[type[Any]]:
    found: set[type[Any]] = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def _shape(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(sorted(model.model_fields))


def test_no_two_different_schemas_share_a_name() -> None:
    # a pagination's query schema must be called ``Input`` (django-ninja's convention); its fields are documented
    # as the operation's query parameters, so the name does not matter
    documented = set(lijiao.api.api.get_openapi_schema()["components"]["schemas"]) - {"Input"}
    by_name: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    where: dict[str, list[str]] = defaultdict(list)
    for model in _subclasses(BaseModel):
        if not model.__module__.startswith("lijiao.") or model.__name__ not in documented:
            continue
        by_name[model.__name__].add(_shape(model))
        where[model.__name__].append(model.__module__)
    clashes = {name: where[name] for name, shapes in by_name.items() if len(shapes) > 1}
    assert not clashes, f"schemas with one name and different fields: {clashes}"


def test_no_two_operations_share_a_url_name() -> None:
    """``reverse("api-1.0.0:<name>")`` must find the one operation meant (a job's progress URL is built so)."""
    from collections import Counter

    names = Counter(getattr(p, "name", None) for p in lijiao.api.api.urls[0])
    assert [name for name, count in names.items() if name and count > 1] == []
