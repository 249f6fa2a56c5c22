"""The layers are checked by import-linter (`make lint`); these tests show the check has teeth."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
PACKAGES = ("ui", "assistant", "vectorstore", "ingest")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-c",
        "from importlinter.cli import lint_imports_command; lint_imports_command()",
    ]
    return subprocess.run(
        command,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and their contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_packages_keep_their_layers(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("ingest/records.py", "import vectorstore.base", "ingest is not allowed to import vectorstore"),
        (
            "vectorstore/hybrid.py",
            "from assistant import NewsAssistant",
            "vectorstore is not allowed to import",
        ),
        ("assistant/retrieval/hybrid.py", "import assistant.answering.extractive", "assistant.retrieval"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_fails_the_lint(
    tree: Path, module: str, line: str, broken: str
) -> None:
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split())
