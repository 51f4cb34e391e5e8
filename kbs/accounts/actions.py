"""Every change to sign-in: two-step set-up and recovery codes, finishing a sign-in, lockouts and
unlocking, resetting someone's authenticator app, and changing a password.

Each action runs in one transaction, takes `by=` (who acted) where a person acts, writes its own
audit row and sends any e-mail after the commit.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kbs.accounts import lockout, mfa, notices
from kbs.accounts.models import SignInActivity, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action

KNOWN_DEVICE_DAYS = 90


class Refused(Exception):
    """The action is not allowed; the message says why. Nothing was changed."""


def _administrator(by: User) -> None:
    if not has_permission(by, Permission.MANAGE_ROLES):
        raise Refused("Only administrators can do this")


# --- setting up two-step sign-in ---------------------------------------------------------------


def start_enrolment(*, by: User) -> TOTPDevice:
    """The authenticator app `by` is setting up: the one already started, or a new secret."""
    with transaction.atomic():
        device = mfa.totp_device(by, confirmed=False)
        if device is None:
            device = TOTPDevice.objects.create(user=by, name="Authenticator app", confirmed=False)
        return device


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [mfa.new_recovery_code() for _ in range(mfa.RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=mfa.hash_recovery_code(c)) for c in codes)
    return codes


def enrol_authenticator(*, by: User, device: TOTPDevice) -> list[str]:
    """Confirm the app `by` has just proved with a code, drop any other, and make ten recovery
    codes. Returns the codes: they are shown once and kept only as hashes."""
    if device.user_id != by.pk:
        raise Refused("This is not your authenticator app")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(by)
        record_event(by=by, action=Action.MFA, summary="Set up an authenticator app for two-step sign-in",
                     obj=by, detail={"change": "enrolled", "recovery_codes": len(codes)})
        transaction.on_commit(lambda: notices.authenticator_set_up(by))
    return codes


def regenerate_recovery_codes(*, by: User) -> list[str]:
    """Replace `by`'s recovery codes with ten new ones; the old ones stop working."""
    if mfa.totp_device(by) is None:
        raise Refused("Set up an authenticator app first")
    with transaction.atomic():
        codes = _replace_recovery_codes(by)
        record_event(by=by, action=Action.MFA, summary="Made new recovery codes", obj=by,
                     detail={"change": "recovery_codes_regenerated", "recovery_codes": len(codes)})
    return codes


def use_recovery_code(*, by: User, code: str) -> StaticDevice | None:
    """Spend one of `by`'s recovery codes. Returns the device that accepted it, or None."""
    with transaction.atomic():
        device = StaticDevice.objects.select_for_update().filter(user=by).order_by("-pk").first()
        if device is None or not device.verify_token(mfa.hash_recovery_code(code)):
            return None
        left = device.token_set.count()
        record_event(by=by, action=Action.MFA, summary=f"Signed in with a recovery code ({left} left)", obj=by,
                     detail={"change": "verified_with_recovery_code", "recovery_codes_left": left})
        return device


def reset_authenticator(*, by: User, user: User, reason: str = "") -> None:
    """An administrator removes `user`'s authenticator app and recovery codes: they set up an app
    again next time they sign in, and any session they have must pass two-step sign-in again."""
    _administrator(by)
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
        record_event(by=by, action=Action.MFA, summary=f"Reset two-step sign-in for {user}", obj=user,
                     detail={"change": "reset_by_administrator", "user": user.username, "reason": reason.strip(),
                             "removed": removed})
        transaction.on_commit(lambda: notices.authenticator_reset(user))


# --- finishing a sign-in -----------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """What to tell someone who has just finished signing in."""

    previous: datetime | None
    failures: int
    new_device: bool


def complete_sign_in(*, by: User, fingerprint: str, method: str) -> SignedIn:
    """`by` has passed every step. Forgive their failed attempts, remember this browser and
    address (as a keyed hash, for 90 days), and say whether it is new and how many attempts failed
    since they last signed in. A new browser or address gets an e-mail (after the commit)."""
    now = timezone.now()
    with transaction.atomic():
        activity, _ = SignInActivity.objects.select_for_update().get_or_create(user=by)
        cutoff = (now - timedelta(days=KNOWN_DEVICE_DAYS)).date()
        known = {key: seen for key, seen in activity.known_devices.items() if date.fromisoformat(seen) >= cutoff}
        result = SignedIn(previous=activity.last_signed_in_at, failures=activity.failures_since_last_sign_in,
                          new_device=activity.last_signed_in_at is not None and fingerprint not in known)
        known[fingerprint] = timezone.localdate(now).isoformat()
        activity.known_devices = known
        activity.last_signed_in_at = now
        activity.failures_since_last_sign_in = 0
        activity.save()
        # Only this person's own failures are forgiven; other accounts' failures from the same
        # address still count against the address.
        AxesProxyHandler.reset_attempts(username=by.get_username())
        if method != "password":
            record_event(by=by, action=Action.MFA, summary=f"Finished two-step sign-in with {method}", obj=by,
                         detail={"change": "verified", "method": method})
        if result.new_device:
            transaction.on_commit(lambda: notices.new_device(by, now))
    return result


def count_failed_attempt(*, username: str) -> None:
    """One more failed attempt (password or code) to sign in as `username`, if such a person exists."""
    if not username:
        return
    user = User.objects.filter(username=username).only("pk").first()
    if user is None:
        return
    with transaction.atomic():
        SignInActivity.objects.get_or_create(user=user)
        SignInActivity.objects.filter(user=user).update(failures_since_last_sign_in=F("failures_since_last_sign_in") + 1)


def record_lockout(*, username: str, ip_address: str, account: bool, address: bool) -> None:
    """An account, an address, or both have just been locked: audit it, and e-mail the account's
    owner."""
    user = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        detail: dict[str, Any] = {"username": username, "ip_address": ip_address,
                                  "account_locked": account, "address_locked": address}
        what = " and ".join(part for part, on in (("account", account), ("address", address)) if on)
        record_event(by=None, action=Action.LOCKED_OUT, obj=user, actor_name=username,
                     summary=f"Sign-in locked ({what}) after {lockout.limit()} failed attempts", detail=detail)
        if account and user is not None:
            until = lockout.locked_until(username=username)
            transaction.on_commit(lambda: notices.account_locked(user, until))


def unlock(*, by: User, kind: str, value: str, reason: str) -> int:
    """An administrator lifts the lock on an account (`kind` "account", `value` its username) or an
    address ("address", the IP address), with a reason. Returns how many attempt rows went."""
    _administrator(by)
    if kind not in {"account", "address"}:
        raise Refused("Choose an account or an address to unlock")
    if not reason.strip():
        raise Refused("Give a reason for unlocking")
    with transaction.atomic():
        if kind == "account":
            removed = AxesProxyHandler.reset_attempts(username=value)
        else:
            removed = AxesProxyHandler.reset_attempts(ip_address=value)
        user = User.objects.filter(username=value).first() if kind == "account" else None
        record_event(by=by, action=Action.UNLOCK, summary=f"Unlocked the {kind} {value}", obj=user,
                     detail={"kind": kind, "value": value, "reason": reason.strip(), "attempts_removed": removed})
    return int(removed)


# --- passwords ---------------------------------------------------------------------------------


def change_password(*, by: User, new_password: str) -> None:
    """Set `by`'s new password (already checked against the password rules by the form)."""
    with transaction.atomic():
        by.set_password(new_password)
        by.save(update_fields=["password"])
        record_event(by=by, action=Action.UPDATE, summary="Changed their password", obj=by,
                     detail={"change": "password"})
