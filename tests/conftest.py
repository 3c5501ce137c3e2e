"""Shared fixtures: every test has its own solved-plan cache folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _plan_cache_per_test(tmp_path_factory, monkeypatch):
    """The CLI's cache folder (``cache.DEFAULT_FOLDER``) is a fresh folder per test.

    Commands run through click's runner from the repository would otherwise read plans
    that earlier test runs stored under ./outputs/.cache, and skip the solves they test.
    """
    from forcegen import cache

    monkeypatch.setattr(cache, "DEFAULT_FOLDER", tmp_path_factory.mktemp("plan-cache"))
