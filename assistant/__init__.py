"""newsqa: ask questions of news articles, and get answers that cite their passages.

The Python API: `NewsAssistant` (index, ask, stream, retrieve, stats, reindex), its records
(`Answer`, `Citation`, and the `Rewritten`, `TextDelta` and `Done` events of `stream`) and
`Settings`. Every user-facing failure is a `NewsQAError`.
"""

from assistant.answering.followup import Turn
from assistant.answering.records import Answer, Citation, Done, Rewritten, TextDelta
from assistant.core import NewsAssistant, open_assistant
from assistant.errors import NewsQAError
from assistant.settings import Settings

__all__ = [
    "Answer",
    "Citation",
    "Done",
    "NewsAssistant",
    "NewsQAError",
    "Rewritten",
    "Settings",
    "TextDelta",
    "Turn",
    "open_assistant",
]
