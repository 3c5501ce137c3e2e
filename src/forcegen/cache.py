"""The solved-plan cache: a plan is stored under what determines it, so it is solved once.

An entry is keyed by ``key(problem, options)``: the SHA-256 of a canonical serialization
of the validated Problem (every field of every record, in order; not the file it was read
from, so a what-if's changed copy has a key too), the solve options
(``PlanOptions.as_dict()``), ``forcegen.__version__`` and a fingerprint of the package's own
source files (``code_fingerprint``: an install from the repository keeps its version from one
commit to the next, and a plan solved by other code, a fixed bug among its differences, must
not be served as this code's); a solve given a reference plan
(a stable what-if's baseline) or a start plan has that plan in its key as well. Two inputs
that differ in any value have different keys, so an entry never serves another input.

Only plans whose every objective level is optimal are stored: their levels do not depend
on the machine or on time limits. Entries are JSON files ``<folder>/<key>.json``, written
to a temporary file and renamed, so an entry is whole or absent; each carries its key and
a checksum of its plan. A missing, unreadable or corrupt entry is a miss and a failed
write is skipped: the cache never changes a result and never stops a run, and the folder
(``outputs/.cache`` under the current folder by default) is safe to delete.

``load`` returns the stored plan with ``SolveInfo.cache == "hit"``; its solve log (levels,
seconds, runtime) is the one of the solve that stored it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import secrets
from dataclasses import fields, is_dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from .domain import Allocation, LevelResult, Plan, Problem, SolveInfo

#: the default cache folder, relative to the current folder (like the default outputs)
DEFAULT_FOLDER = Path("outputs") / ".cache"
#: the layout of keys and entries; a change makes every earlier entry a miss
FORMAT = 1
#: record fields that do not take part in the key: where the input was read from, and what validation noted
NOT_KEYED = frozenset({"source", "warnings"})

_KEY = re.compile(r"[0-9a-f]{64}")


def _canonical(obj):
    """A JSON-able form of ``obj`` in which equal values, and only they, are equal."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__name__,
                [[f.name, _canonical(getattr(obj, f.name))] for f in fields(obj) if f.name not in NOT_KEYED]]
    if isinstance(obj, (list, tuple)):
        return [_canonical(x) for x in obj]
    if isinstance(obj, dict):
        return [[_canonical(k), _canonical(v)] for k, v in sorted(obj.items(), key=lambda kv: repr(kv[0]))]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return [type(obj).__name__, repr(obj)]


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def _plan_content(plan: Plan) -> list:
    """What a plan decides (its allocations and leads), for keys of solves that are given a plan."""
    return [_canonical(plan.allocations), _canonical(plan.leads)]


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of every Python source of the forcegen package (paths and bytes, in path order)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode("utf-8") + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def key(problem: Problem, options, *, reference: Plan | None = None, start: Plan | None = None) -> str:
    """The cache key of solving ``problem`` with ``options`` (a ``PlanOptions``), as 64 hex digits."""
    import forcegen

    payload = {
        "format": FORMAT,
        "forcegen": forcegen.__version__,
        "code": code_fingerprint(),
        "options": _canonical(options.as_dict()),
        "problem": _canonical(problem),
        "reference": None if reference is None else _plan_content(reference),
        "start": None if start is None else _plan_content(start),
    }
    return hashlib.sha256(_dumps(payload).encode("utf-8")).hexdigest()


def storable(plan: Plan) -> bool:
    """Whether a plan may be cached: it has a solve log and every level of it is optimal."""
    info = plan.info
    return (info is not None and info.status == "optimal" and bool(info.levels)
            and all(lv.status == "optimal" for lv in info.levels))


def entry_path(folder: Path, key_: str) -> Path:
    if not _KEY.fullmatch(key_):
        raise ValueError(f"not a cache key: {key_!r}")
    return Path(folder) / f"{key_}.json"


# --------------------------------------------------------------------------- plan <-> JSON


def plan_to_dict(plan: Plan) -> dict:
    """A plan as JSON-able data: allocations as rows in field order, leads, and the solve info."""
    info = plan.info
    info_dict = None
    if info is not None:
        info_dict = {f.name: getattr(info, f.name) for f in fields(info) if f.name not in ("levels", "cache")}
        info_dict["levels"] = [{f.name: getattr(lv, f.name) for f in fields(lv)} for lv in info.levels]
    return {
        "allocations": [[getattr(a, f.name) for f in fields(Allocation)] for a in plan.allocations],
        "leads": dict(sorted(plan.leads.items())),
        "info": info_dict,
    }


def _typed(value, kind, what: str):
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{what}: expected a whole number")
    if kind is str and not isinstance(value, str):
        raise ValueError(f"{what}: expected text")
    return value


def plan_from_dict(data: dict) -> Plan:
    """``plan_to_dict`` reversed; ValueError, KeyError or TypeError when the data is not such a plan."""
    names = [f.name for f in fields(Allocation)]
    kinds = {"period": int, "task": str, "location": str, "pledge": str, "units": int}
    allocations = []
    for row in data["allocations"]:
        if not isinstance(row, list) or len(row) != len(names):
            raise ValueError("allocation row of the wrong shape")
        allocations.append(Allocation(**{n: _typed(v, kinds[n], n) for n, v in zip(names, row)}))
    leads = {_typed(t, str, "lead task"): _typed(n, str, "lead nation") for t, n in data["leads"].items()}
    info = None
    if data["info"] is not None:
        raw = dict(data["info"])
        levels = tuple(LevelResult(**lv) for lv in raw.pop("levels"))
        if not isinstance(raw.get("options"), dict):
            raise ValueError("solve options are not a mapping")
        info = SolveInfo(**raw, levels=levels)
    return Plan(tuple(allocations), leads, info)


def _checksum(body: dict) -> str:
    return hashlib.sha256(_dumps(body).encode("utf-8")).hexdigest()


def _fits(plan: Plan, problem: Problem) -> bool:
    """Every id the plan names is the problem's, every period within its horizon."""
    horizon = problem.scenario.horizon
    return (all(a.task in problem.task and a.pledge in problem.pledge and a.location in problem.location
                and 1 <= a.period <= horizon and a.units > 0 for a in plan.allocations)
            and all(t in problem.task and n in problem.nation for t, n in plan.leads.items()))


# --------------------------------------------------------------------------- load and store


def load(folder: Path, key_: str, problem: Problem | None = None) -> Plan | None:
    """The plan stored under ``key_`` in ``folder``, marked ``cache="hit"``; None on any miss.

    A missing, unreadable or corrupt entry, one stored under another key or by another
    layout, one whose plan does not match its checksum, is not fully optimal, or (given
    ``problem``) names ids the problem does not have, is a miss.
    """
    try:
        entry = json.loads(entry_path(folder, key_).read_text(encoding="utf-8"))
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key_:
            return None
        body = entry["plan"]
        if entry.get("checksum") != _checksum(body):
            return None
        plan = plan_from_dict(body)
    except Exception:  # unreadable, not JSON, not a plan: a miss, whatever the cause
        return None
    if not storable(plan) or (problem is not None and not _fits(plan, problem)):
        return None
    return replace(plan, info=replace(plan.info, cache="hit"))


def store(folder: Path, key_: str, plan: Plan) -> bool:
    """Store ``plan`` under ``key_`` in ``folder`` if it is fully optimal; whether it was stored.

    Written to a temporary file in the folder and renamed over the entry, so readers (other
    processes of a sweep among them) see a whole entry or none. A write that fails is skipped.
    """
    if not storable(plan):
        return False
    path = entry_path(folder, key_)
    try:
        body = plan_to_dict(plan)
        import forcegen

        text = _dumps({"format": FORMAT, "key": key_, "forcegen": forcegen.__version__,
                       "stored_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "checksum": _checksum(body), "plan": body})
    except (TypeError, ValueError):  # an option that JSON cannot hold: not cached
        return False
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        name = path.parent / f".{key_[:16]}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to any output
        tmp = name
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
