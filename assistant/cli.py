"""What the command lines share: settings from flags, and errors shown as messages."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from assistant.errors import NewsQAError, describe_settings_error
from assistant.settings import Settings


def add_store_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--store DIR``, which overrides ``NEWSQA_STORE_DIR``."""
    parser.add_argument(
        "--store", metavar="DIR", help="the index folder (default: NEWSQA_STORE_DIR or ./data)"
    )


def settings_from(args: argparse.Namespace, **extra: Any) -> Settings:
    """Return `Settings` from the environment with the command-line flags on top."""
    overrides = {key: value for key, value in extra.items() if value is not None}
    if getattr(args, "store", None):
        overrides["store_dir"] = args.store
    return Settings(**overrides)


def run(main: Callable[[], int]) -> None:
    """Run a command, turning errors into a one-line message and an exit status."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`python -m assistant ask ... | head`): nothing more to tell it,
        # and nothing to complain about. Stdout goes to /dev/null so exiting flushes nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        status = 130
    except ValidationError as exc:
        print(f"error: {describe_settings_error(exc)}", file=sys.stderr)
        status = 2
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if isinstance(exc, NewsQAError):
            print(f"error: {exc}", file=sys.stderr)
        else:
            if os.environ.get("NEWSQA_DEBUG"):
                traceback.print_exc()
            print(
                f"error: unexpected {type(exc).__name__}: {exc}\n"
                "Set NEWSQA_DEBUG=1 to see the traceback, and please report it.",
                file=sys.stderr,
            )
        status = 1
    sys.exit(status)
