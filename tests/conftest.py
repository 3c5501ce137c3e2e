"""Shared fixtures: every test has its own solved-plan cache folder, and leaves module globals as it found them."""

from __future__ import annotations

import sys

import pytest

#: test helper modules whose globals are watched with forcegen's
HELPERS = ("builders", "solving", "strategies")


def _watched():
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "forcegen" or name.startswith("forcegen.") or name in HELPERS):
            yield name, module


def _items(value) -> list | None:
    """What a dict, list or set holds, to compare by identity; None for anything else."""
    if isinstance(value, dict):
        return [x for pair in value.items() for x in pair]
    if isinstance(value, list):
        return list(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=id)
    return None


def _snapshot() -> dict[tuple[str, str], tuple[object, list | None]]:
    return {(name, attr): (value, _items(value))
            for name, module in _watched()
            for attr, value in list(vars(module).items()) if not attr.startswith("_")}


def _same(a, b) -> bool:
    (value_a, items_a), (value_b, items_b) = a, b
    if value_a is not value_b:
        return False
    if items_a is None or items_b is None:
        return items_a is None and items_b is None
    return len(items_a) == len(items_b) and all(x is y for x, y in zip(items_a, items_b))


@pytest.fixture(autouse=True)
def _module_globals_restored():
    """A test leaves the public globals of forcegen's modules and of the test helpers as it found
    them: the same object bound to each name, the same items in each dict, list and set. A test that
    needs another value sets it with ``monkeypatch`` (or ``pytest.MonkeyPatch.context()`` in a wider
    fixture), which puts it back; one that does not fails at teardown, naming what it left changed.
    Module-scoped fixtures are set up before and torn down after this check, so what they hold for
    their module is not counted against a test."""
    before = _snapshot()
    yield
    after = _snapshot()
    changed = sorted(f"{name}.{attr}" for (name, attr), state in before.items()
                     if (name, attr) not in after or not _same(state, after[(name, attr)]))
    if changed:
        pytest.fail("the test left module globals changed (set them with monkeypatch): " + ", ".join(changed),
                    pytrace=False)


@pytest.fixture(autouse=True)
def _plan_cache_per_test(_module_globals_restored, tmp_path_factory, monkeypatch):
    """The CLI's cache folder (``cache.DEFAULT_FOLDER``) is a fresh folder per test.

    Commands run through click's runner from the repository would otherwise read plans
    that earlier test runs stored under ./outputs/.cache, and skip the solves they test.
    (It asks for ``_module_globals_restored`` so that the check is set up before the
    monkeypatch and so torn down after it has put the folder back.)
    """
    from forcegen import cache

    monkeypatch.setattr(cache, "DEFAULT_FOLDER", tmp_path_factory.mktemp("plan-cache"))
