"""Backend settings and misconfiguration: each a note on the extractive answer, never a crash."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from assistant import NewsAssistant, Settings
from assistant.factory import make_language_model

QUESTION = "Who was blamed for the Camp Taji attack?"


def bot_with(fake_bot: NewsAssistant, tmp_path: Path, **settings: Any) -> NewsAssistant:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        encoding="utf-8",
    )
    assert fake_bot.index([folder]).added == 1
    return NewsAssistant(settings=fake_bot.settings, embeddings=fake_bot.embeddings, **settings)


def test_openai_without_a_key_says_which_settings_to_set(
    fake_bot: NewsAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEWSQA_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    answer = bot_with(fake_bot, tmp_path, llm="openai").ask(QUESTION)
    assert answer.note is not None
    assert answer.note.startswith("The openai backend at https://api.openai.com/v1 needs an API key")
    assert "NEWSQA_LLM_API_KEY or OPENAI_API_KEY" in answer.note
    assert "Kataib Hezbollah" in answer.text


def test_llamacpp_with_a_missing_gguf_file_names_the_path(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    answer = bot_with(fake_bot, tmp_path, llm="llamacpp", llm_gguf_path=str(missing)).ask(QUESTION)
    assert answer.note == (
        f"NEWSQA_LLM_GGUF_PATH: no GGUF model file at {missing}. Showing the extractive answer instead."
    )


def test_llamacpp_without_llama_cpp_python_says_how_to_install_it(
    fake_bot: NewsAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if it were not installed
    answer = bot_with(fake_bot, tmp_path, llm="llamacpp", llm_gguf_path=str(model)).ask(QUESTION)
    assert answer.note is not None
    assert "needs llama-cpp-python: pip install -r requirements-llamacpp.txt" in answer.note
    assert answer.answerer == "extractive" and "Kataib Hezbollah" in answer.text


def test_the_api_key_comes_from_either_variable_and_is_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSQA_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai")
    settings = Settings(llm="openai")
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "sk-from-openai"
    monkeypatch.setenv("NEWSQA_LLM_API_KEY", "sk-from-newsqa")
    settings = Settings(llm="openai")
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "sk-from-newsqa"
    assert "sk-from" not in repr(settings) + str(settings.model_dump()) + settings.model_dump_json()
    language_model = make_language_model(settings)
    assert language_model is not None and "sk-from" not in language_model.backend.label


def test_default_urls_and_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert make_language_model(Settings(llm="extractive")) is None
    ollama = make_language_model(Settings(llm="ollama"))
    assert ollama is not None and ollama.backend.label == "ollama llama3.2 at http://127.0.0.1:11434"
    monkeypatch.setenv("OLLAMA_HOST", "http://gpu-box:11434")
    ollama = make_language_model(Settings(llm="ollama", llm_model="qwen2.5:7b"))
    assert ollama is not None and ollama.backend.label == "ollama qwen2.5:7b at http://gpu-box:11434"
    openai = make_language_model(Settings(llm="openai", llm_base_url="http://127.0.0.1:8000/v1"))
    assert openai is not None and openai.backend.label == "openai gpt-4o-mini at http://127.0.0.1:8000/v1"
