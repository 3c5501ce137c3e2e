"""The README's column table is generated from the schema and must not drift from it."""

from pathlib import Path

from forcegen.schema import column_table_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_readme_column_table_matches_schema():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- columns:start -->") + len("<!-- columns:start -->")
    end = text.index("<!-- columns:end -->")
    assert text[start:end].strip() == column_table_markdown().strip(), (
        "README column table is stale: regenerate it with `python -m forcegen.schema`"
    )


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in text.split("```sh\n")[1:3]]
    assert "pip install ." in blocks[0] and "forcegen plan" in blocks[0]
    assert "pip install '.[test]'" in blocks[1] and "pytest" in blocks[1]


def test_formulation_names_every_rule_family():
    from forcegen.model.build import RULE_FAMILIES

    text = (ROOT / "models" / "FORMULATION.md").read_text(encoding="utf-8")
    for family in RULE_FAMILIES:
        assert family.__name__ in text, f"models/FORMULATION.md does not explain {family.__name__}"


def test_readme_layout_lists_every_module():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text[text.index("## Layout"):].split("```")[1]
    package = ROOT / "src" / "forcegen"
    for path in sorted(package.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        rel = path.relative_to(package).as_posix()
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        assert rel in layout or (path.name in layout and folder in layout), f"README's Layout does not list {rel}"
