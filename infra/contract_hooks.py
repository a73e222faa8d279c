"""schemathesis hooks for infra/contract-test: signs most generic-webhook requests with the stack's
WEBHOOK_SECRET (as a gateway would), so the fuzzer reaches the ledger instead of stopping at 401."""

import hashlib
import hmac
import json
import os
import time

import schemathesis

SECRET = os.environ["WEBHOOK_SECRET"].encode()


@schemathesis.hook
def before_call(context, case, kwargs):
    op = case.operation
    if op.method.upper() != "POST" or op.path != "/api/payment-callback":
        return
    if not isinstance(case.body, dict):
        return  # not an object: refused before the signature matters
    raw = json.dumps(case.body).encode()
    if hashlib.sha256(raw).digest()[0] % 5 == 0:
        return  # one in five keeps its generated (bad) signature
    t = int(time.time())
    mac = hmac.new(SECRET, str(t).encode() + b"." + raw, hashlib.sha256).hexdigest()
    case.headers = dict(case.headers or {})
    case.headers["X-Upstream-Signature"] = f"t={t},v1={mac}"
    case.headers["Content-Type"] = "application/json"
    kwargs["data"] = raw
