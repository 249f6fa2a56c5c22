"""Text as newsqa reads it: terms, sentences, dates, names and numbers.

One home for each of these ideas, shared by chunking, retrieval, answering, the citation
check and the chat, so that each reads a date, a name or a sentence the same way.
"""
