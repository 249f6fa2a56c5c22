"""newsqa: ask questions of news articles, and get answers that cite their passages."""

from assistant.answer import Answer, Citation
from assistant.core import NewsAssistant
from assistant.errors import NewsQAError
from assistant.settings import Settings

__all__ = ["Answer", "Citation", "NewsAssistant", "NewsQAError", "Settings"]
