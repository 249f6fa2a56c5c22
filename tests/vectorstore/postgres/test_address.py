"""Database URLs: parsed into what libpq and SQLAlchemy need; the password never shows."""

from __future__ import annotations

import pytest

from vectorstore.postgres.database import DatabaseAddress, DatabaseError, describe_failure


def test_a_url_is_parsed_and_its_password_stays_hidden() -> None:
    address = DatabaseAddress.parse(
        "postgresql+psycopg://newsqa:pa%40ss@db.internal:6543/news?sslmode=require"
    )
    assert (address.host, address.port, address.database, address.user) == (
        "db.internal",
        6543,
        "news",
        "newsqa",
    )
    assert address.password == "pa@ss" and address.options == {"sslmode": "require"}
    assert address.place == "db.internal:6543"
    assert "pa@ss" not in repr(address) and "pa@ss" not in repr(address.sqlalchemy_url())
    assert address.connect_args()["password"] == "pa@ss"
    assert DatabaseAddress.parse("postgres://db/news").port == 5432


@pytest.mark.parametrize("url", ["mysql://u:secret@db/news", "postgresql://u:secret@db", "not a url secret"])
def test_a_url_that_is_not_postgresql_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(DatabaseError) as refused:
        DatabaseAddress.parse(url)
    assert "not a PostgreSQL URL" in str(refused.value) and "secret" not in str(refused.value)


def test_a_driver_message_holding_the_password_is_scrubbed() -> None:
    address = DatabaseAddress.parse("postgresql://newsqa:hunter2@db:5432/news")
    message = str(describe_failure(address, RuntimeError("connection failed: bad option hunter2")))
    assert "hunter2" not in message and "db:5432" in message
