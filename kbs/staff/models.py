"""Staff accounts: when each person's sessions were last ended everywhere.

Roles, agencies and teams live in `kbs.accounts`; this app administers them. The one thing it
stores itself is a per-person cutoff: any session signed in before it has ended
(`kbs.accounts.sessions` checks it on every request).
"""

from django.conf import settings
from django.db import models


class SessionCutoff(models.Model):
    # The user is the primary key, so the per-request check is one lookup by primary key.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="session_cutoff"
    )
    # Sessions signed in before this moment have ended.
    valid_from = models.DateTimeField()

    def __str__(self) -> str:
        return f"Sessions of {self.user_id} valid from {self.valid_from:%Y-%m-%d %H:%M:%S}"
