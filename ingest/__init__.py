"""Reading, chunking and indexing news articles."""
