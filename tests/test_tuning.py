"""The model's time shares, work limits and tolerances live in one place: ``forcegen.model.tuning``."""

import ast
import re
from pathlib import Path

import forcegen.model as model_package
from forcegen.model import tuning

MODEL_DIR = Path(model_package.__file__).parent
# a tolerance written as a literal (1e-6, 0.000001), or a step's share written out (0.5 * step)
LITERAL = re.compile(r"(?<![\w.])(\d+(\.\d*)?[eE]-\d+|0\.0000\d*)|\b0\.5 \* step\b|\b0\.999\b")


def _code_lines(path: Path):
    """(line number, code) of a module, docstrings and comments left out."""
    source = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            docstrings.update(range(node.lineno, node.end_lineno + 1))
    for number, line in enumerate(source.splitlines(), start=1):
        if number not in docstrings:
            yield number, line.split("#", 1)[0]


def test_no_tolerance_is_written_out_in_the_model_modules():
    found = [f"{path.name}:{number}: {code.strip()}"
             for path in sorted(MODEL_DIR.glob("*.py")) if path.name != "tuning.py"
             for number, code in _code_lines(path) if LITERAL.search(code)]
    assert found == []


def test_every_constant_is_used_by_a_model_module():
    names = [n for n in vars(tuning) if n.isupper()]
    assert names  # the module holds the constants
    sources = "\n".join(p.read_text(encoding="utf-8") for p in MODEL_DIR.glob("*.py") if p.name != "tuning.py")
    unused = [n for n in names if not re.search(rf"\b{n}\b", sources)]
    assert unused == []


def test_no_model_module_defines_its_own_time_share():
    own = [f"{path.name}: {target.id}"
           for path in sorted(MODEL_DIR.glob("*.py")) if path.name != "tuning.py"
           for node in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(node, ast.Assign)
           for target in node.targets
           if isinstance(target, ast.Name) and re.search(r"SHARE|_EVERY|GRACE|LEAST_RUN|TOL|ROUNDS|TRIES", target.id)]
    assert own == []


def test_the_gaps_stay_below_one_step():
    # a proof gap of a whole step or more could stop a level one value short of its optimum;
    # two values a step apart must not compare as the same
    assert 0 < tuning.PROOF_GAP < 1
    assert 0 < tuning.SAME_VALUE < 1
