"""Who is using the page: a reader or an editor, from the passwords the operator set.

With no password set (a laptop on localhost) everyone is an editor. With
``NEWSQA_READER_PASSWORD`` set, the page asks for a password before anything else: the
reader password lets one ask, the editor password also lets one index (and with no editor
password set, whoever signs in may). With ``NEWSQA_EDITOR_PASSWORD`` set, the index panel's
controls stay locked until it is given. Passwords are compared in constant time and are
never shown, logged or kept: the session keeps only the role they granted.
"""

from __future__ import annotations

import time

import streamlit as st

from assistant import Settings
from assistant.access import Role, same_secret

_ROLE = "role"
# A wrong password costs this long: guessing takes that much longer, using the page doesn't.
_WRONG_DELAY = 1.0


def role(settings: Settings) -> Role | None:
    """Return the session's role, or None while the page waits for a password."""
    granted = st.session_state.get(_ROLE)
    if isinstance(granted, Role):
        return granted
    if settings.reader_password is None:
        return Role.READER if settings.editor_password is not None else Role.EDITOR
    return None


def granted(settings: Settings, password: str) -> Role | None:
    """Return the role a password grants, or None for a wrong one."""
    if same_secret(password, settings.editor_password):
        return Role.EDITOR
    if same_secret(password, settings.reader_password):
        return Role.READER if settings.editor_password is not None else Role.EDITOR
    return None


def sign_in(settings: Settings) -> None:
    """Draw the sign-in form that stands for the whole page until a password is given."""
    st.title("newsqa", anchor=False)
    with st.form("sign_in", clear_on_submit=True):
        st.markdown("This newsroom's archive asks for a password.")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            _submit(settings, password, anyone=True)


def unlock_editing(settings: Settings) -> None:
    """Draw the form that unlocks the index panel for an editor."""
    with st.form("unlock", clear_on_submit=True):
        st.caption("Adding, uploading and re-indexing articles are for editors.")
        password = st.text_input("Editor password", type="password")
        if st.form_submit_button("Unlock"):
            _submit(settings, password, anyone=False)


def sign_out() -> None:
    """Forget the session's role (the next page asks again, if passwords are set)."""
    st.session_state.pop(_ROLE, None)


def _submit(settings: Settings, password: str, *, anyone: bool) -> None:
    found = granted(settings, password)
    if found is None or (not anyone and found is not Role.EDITOR):
        time.sleep(_WRONG_DELAY)
        st.error("That password is not right.")
        return
    st.session_state[_ROLE] = found
    st.rerun()
