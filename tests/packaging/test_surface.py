"""In the workspace: every documented name is exported by the meta-package, as the owner's object."""

from __future__ import annotations

import importlib

from surface import DOCUMENTED_SURFACE

import flyteplugins.wandb as meta


def test_meta_exports_exactly_the_documented_names() -> None:
    assert sorted(set(meta.__all__) - {"__version__"}) == sorted(DOCUMENTED_SURFACE)


def test_each_name_is_the_owners_object() -> None:
    for name, owner in DOCUMENTED_SURFACE.items():
        assert getattr(meta, name) is getattr(importlib.import_module(owner), name), name


def test_meta_package_holds_no_logic() -> None:
    source = importlib.util.find_spec("flyteplugins.wandb").origin  # type: ignore[union-attr]
    text = open(source).read()  # noqa: SIM115
    assert "def " not in text and "class " not in text
