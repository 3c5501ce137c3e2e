#!/usr/bin/env python
"""Regenerate the README's column table (between its columns:start/end markers) from schema.py."""

from pathlib import Path

from forcegen.schema import column_table_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- columns:start -->", "<!-- columns:end -->"

text = README.read_text(encoding="utf-8")
head, rest = text.split(START, 1)
_, tail = rest.split(END, 1)
README.write_text(f"{head}{START}\n{column_table_markdown()}\n{END}{tail}", encoding="utf-8")
print(f"updated {README.name}")
