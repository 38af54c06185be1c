"""What a failed X call means, in plain words and as a `PublishError` kind (docs/architecture.md,
"The publishing promise"): X's status codes and details, and the network's failures."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import requests
import tweepy

from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.http import may_have_reached_platform
from outreach.platforms.reasons import reason

DUPLICATE_DETAIL = "duplicate content"  # in X's 403 detail; v2 has no numeric code for it
# Read-only apps get a 403 on writes; new tokens with write permission are the only fix.
PERMISSION_DETAIL = "oauth1 app permissions"
RATE_LIMIT_FALLBACK = 60.0  # seconds, when a 429 carries no usable reset header


def classify(exc: Exception, mask: Callable[[str], str], *, publishing: bool) -> PublishError:
    """Classify a failed call. `publishing`: the call creates something, so an answer that
    never arrived means the post may exist (reconcile, never retry blindly)."""
    if isinstance(exc, requests.JSONDecodeError) or not isinstance(
        exc, (requests.RequestException, tweepy.HTTPException)
    ):  # e.g. a proxy's HTML page where X's JSON belongs
        kind = ErrorKind.unknown_outcome if publishing else ErrorKind.transient
        return PublishError.coded(kind, "x.unreadable")
    if isinstance(exc, requests.RequestException):
        return network_error(exc, publishing=publishing)
    response = exc.response
    status = response.status_code
    detail = mask("; ".join(str(m) for m in exc.api_messages) or response.reason or "")
    # https://docs.x.com/x-api/fundamentals/response-codes-and-errors
    if status == 429:
        wait = retry_after(response.headers)
        return PublishError.coded(ErrorKind.rate_limited, "x.rate", wait=f"{wait:.0f}",
                                  retry_after=wait, status=status)
    if status == 402:
        # Pay-per-use: the app's credits are used up. X answers every call with 402 and a
        # problem titled "CreditsDepleted" until credits are bought (no doc page describes the
        # body; it is what X sends). Nothing was done, so nothing is unknown.
        return PublishError.coded(ErrorKind.out_of_credits, "x.credits", status=status,
                                  code="credits")
    if status == 401:
        return PublishError.coded(ErrorKind.auth_expired, "x.auth", status=status)
    if status == 403 and DUPLICATE_DETAIL in detail.lower():
        return PublishError.coded(ErrorKind.rejected, "x.duplicate", status=status,
                                  code="duplicate")
    if status == 403 and PERMISSION_DETAIL in detail.lower():
        return PublishError.coded(ErrorKind.auth_expired, "x.read_only", status=status,
                                  code="permission")
    if status >= 500:
        if publishing:
            return PublishError.coded(ErrorKind.unknown_outcome, "x.server_publish",
                                      status=status)
        return PublishError.coded(ErrorKind.transient, "x.server", status=status)
    return PublishError.coded(ErrorKind.rejected, "x.refused_request", status=status,
                              said=detail or "no reason given")

def network_error(exc: requests.RequestException, *, publishing: bool) -> PublishError:
    if not may_have_reached_platform(exc):
        how = reason("x.timed_out" if isinstance(exc, requests.ConnectTimeout) else "x.refused")
        return PublishError.coded(ErrorKind.transient, "x.no_connect", how=how)
    what = reason("net.timeout" if isinstance(exc, requests.Timeout) else "x.closed")
    if publishing:
        return PublishError.coded(ErrorKind.unknown_outcome, "x.lost_publish", what=what)
    return PublishError.coded(ErrorKind.transient, "x.no_answer", what=what)


def as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds until the limit that ran out resets: the 15-minute window, or the 24-hour user
    or app cap that POST /2/tweets also reports."""
    resets = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = as_int(headers.get(f"{prefix}-reset"))
        remaining = as_int(headers.get(f"{prefix}-remaining"))
        if reset is not None and (remaining in (0, None) or prefix == "x-rate-limit"):
            resets.append(reset)
    if not resets:
        return RATE_LIMIT_FALLBACK
    return max(1.0, max(resets) - time.time())
