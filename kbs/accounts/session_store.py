"""Sessions in the database, refusing malformed keys before they reach it.

Django makes session keys from lowercase letters and digits. A cookie holding anything else (a NUL
byte, say, which PostgreSQL cannot store in text) is treated as no session at all, so that a
tampered cookie cannot turn a page into a server error.
"""

import string

from django.contrib.sessions.backends import db

KEY_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(super()._validate_session_key(key)) and set(key or "") <= KEY_CHARACTERS  # type: ignore[misc]
