"""The one error type a user can act on, shared by every layer of newsqa."""


class NewsQAError(Exception):
    """A problem to show the user as it is, never as a traceback: it says what went wrong
    (naming the file, host or setting) and what to do."""
