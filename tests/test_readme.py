"""The README is the front door: short, with the commands and a picture of the page up front."""
from __future__ import annotations

import re

from .conftest import ROOT


def test_the_readme_is_short_and_starts_with_the_commands_and_a_screenshot():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150
    first = "\n".join(lines[:60])
    assert "pip install -r requirements.txt && python app.py" in first
    assert "pip install -r requirements-dev.txt && python -m pytest" in first
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", first)
    assert pictures and all((ROOT / picture).is_file() for picture in pictures)


def test_every_document_the_readme_links_exists():
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(((?:docs|reports)/[^)#]*)\)", text):
        assert (ROOT / target).exists(), target


def test_ci_runs_exactly_the_readme_test_command():
    command = "pip install -r requirements-dev.txt && python -m pytest"
    assert command in (ROOT / ".ci" / "run").read_text() and command in (ROOT / "README.md").read_text()
