"""Where chunks and their embeddings are kept, and how they are searched."""
