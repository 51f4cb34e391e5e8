from typing import Any

from django.apps import AppConfig
from django.contrib.auth import signals
from django.db.models.signals import post_migrate


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from kbs.accounts.sessions import start
    from kbs.audit.actions import record_event
    from kbs.audit.models import Action

    if request is not None and hasattr(request, "session"):
        start(request)
    record_event(by=user, action=Action.SIGN_IN, summary="Signed in")


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from kbs.audit.actions import record_event
    from kbs.audit.models import Action

    if user is not None:
        record_event(by=user, action=Action.SIGN_OUT, summary="Signed out")


def _sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    from kbs.audit.actions import record_event
    from kbs.audit.models import Action

    username = str(credentials.get("username", ""))[:150]
    record_event(by=None, action=Action.SIGN_IN_FAILED, summary=f"Failed sign-in as {username!r}",
                 actor_name=username, detail={"username": username})


class AccountsConfig(AppConfig):
    name = "kbs.accounts"
    label = "accounts"

    def ready(self) -> None:
        from kbs.accounts.roles import sync_roles

        post_migrate.connect(sync_roles, sender=self)
        signals.user_logged_in.connect(_signed_in, dispatch_uid="kbs_audit_sign_in")
        signals.user_logged_out.connect(_signed_out, dispatch_uid="kbs_audit_sign_out")
        signals.user_login_failed.connect(_sign_in_failed, dispatch_uid="kbs_audit_sign_in_failed")
        # Lockout notices and the failed-attempt count shown at the next sign-in (kbs.accounts.lockout).
        from axes.signals import user_locked_out

        from kbs.accounts import lockout

        signals.user_login_failed.connect(lockout.on_login_failed, dispatch_uid="kbs_count_failed_sign_in")
        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="kbs_locked_out")
