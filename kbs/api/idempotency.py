"""Idempotency keys for API writes: a retried request never writes twice (issue 10, part 4).

A write operation takes the `Idempotency-Key` header with `key_header()` and runs its write through
`once()`. Without a key the write simply runs. With a key, the first successful answer (its status
and body) is kept for a day, under the caller (the token, or the signed-in user), the key, the
method and the path, with a hash of the request's body. Then:

- the same key with the same body answers the kept status and body again, with the header
  `Idempotent-Replayed: true`, and writes nothing;
- the same key with a different body is refused with 422, in the API's error shape;
- after 24 hours the key is forgotten and may be used again.

An answer that is an error is not kept: nothing was written, so trying again is safe. The write and
the kept answer are saved in one transaction; two requests racing with the same key cannot both be
kept (a unique constraint), and the loser's write is undone and it answers what the winner kept.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import params
from ninja.responses import Status

from kbs.api.auth import Caller
from kbs.api.models import IdempotentResponse

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[!-~]{1,200}$"  # 1 to 200 printable ASCII characters, no spaces
LIFETIME = timedelta(hours=24)
DIFFERENT_BODY = "this key was already used with a different request body: use a new key for a new request"


def key_header() -> Any:
    """The optional `Idempotency-Key` header, as a django-ninja parameter default."""
    return params.Header(  # type: ignore[type-arg]
        None, alias=KEY_HEADER, min_length=1, max_length=200, pattern=KEY_PATTERN,
        description="Any 1 to 200 printable characters (no spaces), unique to this request, such as a UUID. "
                    "Send the same key when retrying: the first answer is returned again, with "
                    f"'{REPLAYED_HEADER}: true', and nothing is written twice. Keys are kept for 24 hours.",
    )


def caller_id(caller: Caller) -> str:
    return f"token:{caller.token.pk}" if caller.token is not None else f"user:{caller.user.pk}"


def body_hash(payload: Any) -> str:
    """The same for the same request whatever its spacing or key order."""
    text = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(stored: IdempotentResponse, digest: str, response: HttpResponse) -> Status[Any]:
    if stored.request_hash != digest:
        from kbs.api.v1.errors import ApiError  # here: kbs.api.v1 imports the operations, which import this module

        raise ApiError.one(422, KEY_HEADER, DIFFERENT_BODY)
    response[REPLAYED_HEADER] = "true"
    return Status(stored.status, stored.body)


def forget_expired() -> int:
    """Delete kept answers older than a day; how many went."""
    return IdempotentResponse.objects.filter(expires_at__lte=timezone.now()).delete()[0]


def once(request: HttpRequest, response: HttpResponse, *, caller: Caller, key: str | None, payload: Any,
         write: Callable[[], tuple[int, Any]]) -> Status[Any]:
    """Run `write` (which answers a status and a JSON-able body) at most once for this key; the
    answer, for the operation to return."""
    if key is None:
        return Status(*write())
    where = {"caller": caller_id(caller), "key": key, "method": request.method or "", "path": request.path}
    digest = body_hash(payload)
    now = timezone.now()
    with transaction.atomic():
        IdempotentResponse.objects.filter(**where, expires_at__lte=now).delete()
        stored = IdempotentResponse.objects.select_for_update().filter(**where).first()
        if stored is not None:
            return _replay(stored, digest, response)
        try:
            with transaction.atomic():
                status, body = write()
                if 200 <= status < 300:
                    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
                    IdempotentResponse.objects.create(**where, request_hash=digest, status=status, body=body,
                                                      expires_at=now + LIFETIME)
        except IntegrityError:
            # Another request with this key was kept first: our write is undone; answer as it did.
            stored = IdempotentResponse.objects.filter(**where).first()
            if stored is None:
                raise
            return _replay(stored, digest, response)
    return Status(status, body)
