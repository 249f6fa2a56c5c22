"""The README is part of the product: its settings table and Python example must be true."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant.settings import GROUPS, Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `NEWSQA_(\w+)` \| ([^|]+) \|", README, flags=re.M))
    for name, field in Settings.model_fields.items():
        assert name.upper() in rows, f"NEWSQA_{name.upper()} is missing from the README"
        shown = rows[name.upper()].strip().strip("`")
        value = field.get_default(call_default_factory=True)
        default = "*(empty)*" if value in ("", None, []) else str(value)
        assert shown == default, f"README gives {shown!r} as the default of {name}, the code {default!r}"


def test_the_settings_tables_follow_the_components() -> None:
    assert sorted(name for names in GROUPS.values() for name in names) == sorted(Settings.model_fields)
    for group, names in GROUPS.items():
        table = README.split(f"#### {group}\n", 1)[1].split("\n\n", 1)[0]
        listed = re.findall(r"^\| `NEWSQA_(\w+)` \|", table, flags=re.M)
        assert listed == [name.upper() for name in names], f"the README's {group} table"


@pytest.mark.model
@pytest.mark.shared
def test_the_python_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    shutil.copytree(sample_articles, tmp_path / "articles")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Kataib Hezbollah" in out and "Fast News 2020-03" in out
