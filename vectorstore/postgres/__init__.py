"""The index's state in PostgreSQL, for stores shared by several processes and machines.

One provider class per table, each owning its SQL (`keywords`: the chunks and their BM25
index; `articles`: one row per article; `lock`: who holds the writers' advisory lock;
`sources`: the chat's remembered sources), over one `database.Database`.
"""
