"""instagrapi's Client as this service needs it, and instagrapi's errors in plain words.

Apart from `backend.py` so that instagrapi (an optional extra, ~1 s to import) is
imported only when an account uses it, and never when `outreach.platforms` is.

What instagrapi raises is read from its source (`instagrapi/mixins/private.py`,
`_send_private_request`): the private API answers errors as JSON
`{"message": ..., "status": "fail", ...}` and instagrapi turns the message and the HTTP status
into exception classes (`login_required`, `challenge_required`, `feedback_required`, "Please wait
a few minutes", ...). Every one of them maps to a `PublishError` kind here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import requests

from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.http import may_have_reached_platform
from outreach.platforms.reasons import reason

if TYPE_CHECKING:
    from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

RATE_WAIT = 15 * 60.0  # "Please wait a few minutes": the private API gives no reset time
BLOCK_WAIT = 24 * 3600.0  # feedback_required, "Action Blocked": hours to days; stay away a day
INSTALL = reason("igp.not_installed")
DOCS = "docs/platforms.md, \"Instagram without the Graph API\""


@lru_cache(maxsize=1)
def client_class() -> Any:
    """`RoutedClient` (a subclass of instagrapi's Client), or None when instagrapi is not
    installed."""
    try:
        from instagrapi import Client
        from instagrapi.exceptions import (
            ChallengeRequired,
            ClientError,
            ClientIncompleteReadError,
            ClientRequestTimeout,
        )
    except ImportError:
        return None

    class AnswerLost(ClientError):
        """A request went out and its answer was lost (408, or an answer cut short)."""

    class RoutedClient(Client):
        """instagrapi's Client whose every session goes through `route` (BaseURLAdapter), that
        never waits on `input()`, and never sends a call a second time by itself."""

        answer_lost = AnswerLost

        def __init__(self, *, route, **kwargs) -> None:  # noqa: ANN001
            self._route = route  # before Client.__init__, which mounts adapters
            super().__init__(**kwargs)

        def route_sessions(self) -> None:
            for name in ("private", "public", "graphql"):
                session = getattr(self, name, None)
                if session is not None:
                    self._route(session)

        # instagrapi mounts its own adapters whenever settings are (re)applied (init(),
        # set_settings(), login_by_sessionid()): ours go back on top every time.
        def _configure_private_session_retry(self, private_transport=None) -> None:  # noqa: ANN001
            super()._configure_private_session_retry(private_transport="requests")
            self.route_sessions()

        def _configure_public_session_retry(self) -> None:
            super()._configure_public_session_retry()
            self.route_sessions()

        def _send_private_request(self, endpoint, *args, **kwargs):  # noqa: ANN001, ANN202
            try:
                return super()._send_private_request(endpoint, *args, **kwargs)
            except (ClientRequestTimeout, ClientIncompleteReadError) as exc:
                # private_request() would wait (60 s) and send the same call again: a publish
                # whose answer was lost must be looked for, never sent twice (the publishing
                # promise, step 5).
                raise AnswerLost(str(exc), response=getattr(exc, "response", None)) from exc

        def challenge_code_handler(self, username, choice=None):  # noqa: ANN001, ANN201
            raise ChallengeRequired("Instagram asked for a security code; this service never "
                                    "waits for one.")

        change_password_handler = challenge_code_handler

    return RoutedClient


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and not any(exc is s for s in seen):
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _network(exc: BaseException) -> requests.RequestException | None:
    """The transport failure behind an exception, if that is what it was."""
    for item in _chain(exc):
        if isinstance(item, (requests.ConnectionError, requests.Timeout,
                             requests.exceptions.ChunkedEncodingError)):
            return item
    return None


def first_failure(exc: BaseException) -> BaseException:
    """The first instagrapi error behind `exc`: media_info() falls back to the public web when
    the private API fails, and what the private API said is what counts."""
    from instagrapi.exceptions import ClientError

    found = [e for e in _chain(exc) if isinstance(e, ClientError)]
    return found[-1] if found else exc


def _status(root: BaseException) -> int | None:
    code = getattr(root, "code", None)
    if isinstance(code, int):
        return code
    return getattr(getattr(root, "response", None), "status_code", None)


def _fields(root: BaseException) -> list[dict]:
    """What Instagram answered: the JSON body of the failed response (instagrapi does not parse
    it on every path, e.g. a refused upload), then the exception's own attributes."""
    found = []
    try:
        body = root.response.json()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no response, or not JSON
        body = None
    if isinstance(body, dict):
        found.append(body)
    found.append(vars(root))
    return found


def _keyword(root: BaseException) -> str:
    """Instagram's own error word (`challenge_required`, `feedback_required`, ...)."""
    for fields in _fields(root):
        for key in ("raw_message", "message", "error_type"):
            value = fields.get(key)
            if isinstance(value, str) and value:
                word = value.split(":", 1)[0].strip()
                if word.endswith("_required") or word == "media_needs_reupload":
                    return word
    return ""


def said(root: BaseException, mask) -> str:  # noqa: ANN001
    """Instagram's own words about an error, masked, on one line."""
    text = ""
    for fields in _fields(root):
        for key in ("feedback_message", "message", "error_title"):
            value = fields.get(key)
            if isinstance(value, str) and value.strip() and not value.lstrip().startswith("{"):
                text = value
                break
        if text:
            break
    return " ".join(mask(text).split())[:300] or "no reason given"


def _retry_after(root: BaseException) -> float:
    response = getattr(root, "response", None)
    try:
        return max(1.0, float(response.headers["Retry-After"]))
    except (AttributeError, KeyError, TypeError, ValueError):
        return RATE_WAIT


def classify(client: InstagramPrivatePlatform, exc: BaseException, *, publishing: bool,
             action: str) -> PublishError:
    """What an instagrapi (or requests) failure means, in plain words, as a PublishError."""
    from instagrapi import exceptions as ig

    root = first_failure(exc)
    status = _status(root)
    word = _keyword(root)
    said_ = said(root, client.mask)
    user = f"@{client.username}"
    if isinstance(root, ig.AccountSuspended):
        return PublishError(
            ErrorKind.auth_expired,
            f"Instagram has suspended {user}, so it refused {action}. Open Instagram as {user} "
            "to see why and appeal; publishing resumes once the account is reconnected.",
            status=status, code="suspended")
    if isinstance(root, ig.ClientNeedsUpgradeError):
        return PublishError(
            ErrorKind.auth_expired,
            "Instagram no longer accepts the app version instagrapi presents: update the "
            "instagrapi extra (pip install -U 'library-outreach[instagrapi]'), then reconnect "
            f"{user}.", status=status, code="needs_upgrade")
    if isinstance(root, ig.ChallengeError) \
            or word in ("challenge_required", "checkpoint_required"):
        return PublishError(
            ErrorKind.auth_expired,
            f"Instagram wants to confirm that it is really the library using {user} (a security "
            f"check), so it refused {action}. Open Instagram as {user} on the library's phone or "
            f"in a browser, confirm it was you, then store a new session ({DOCS}).",
            status=status, code="challenge")
    if isinstance(root, (ig.BadPassword, ig.BadCredentials, ig.TwoFactorRequired,
                         ig.ReloginAttemptExceeded)):
        return PublishError(
            ErrorKind.auth_expired,
            f"Instagram refused to sign {user} in again with the stored password: {said_}. "
            f"Store a new session ({DOCS}).", status=status, code="login_failed")
    if isinstance(root, (ig.LoginRequired, ig.ClientLoginRequired, ig.ClientUnauthorizedError)) \
            or word == "login_required" or status == 401:
        return PublishError(
            ErrorKind.auth_expired,
            f"The Instagram session of {user} has ended (Instagram signed it out), so {action} "
            f"was refused. Store a new session ({DOCS}).", status=status, code="login_required")
    if isinstance(root, ig.FeedbackRequired) or word == "feedback_required":
        return PublishError(
            ErrorKind.rate_limited,
            f"Instagram has temporarily blocked {user} from this (\"Action Blocked\"): {said_} "
            "Publishing pauses for 24 hours; posting by hand meanwhile can make it last longer.",
            retry_after=BLOCK_WAIT, status=status, code="feedback_required")
    if isinstance(root, (ig.PleaseWaitFewMinutes, ig.RateLimitError, ig.ClientThrottledError)) \
            or status == 429:
        wait = _retry_after(root)
        return PublishError(
            ErrorKind.rate_limited,
            f"Instagram asks {user} to wait before more requests; publishing waits "
            f"{max(1, round(wait / 60))} minutes.", retry_after=wait, status=status,
            code="rate_limited")
    if isinstance(root, ig.SentryBlock):
        return PublishError(
            ErrorKind.auth_expired,
            f"Instagram has flagged the sign-in of {user} as automated (sentry block); open the "
            f"account in the app, then store a new session ({DOCS}).", status=status,
            code="sentry_block")
    wire = _network(root)
    answer_lost = isinstance(root, (ig.ClientRequestTimeout, ig.ClientIncompleteReadError)) \
        or type(root).__name__ == "AnswerLost"
    if wire is not None or answer_lost or isinstance(root, ig.ClientConnectionError):
        if wire is not None and not may_have_reached_platform(wire):
            return PublishError(ErrorKind.transient, f"Could not connect to Instagram while "
                                f"{action}; nothing was sent.", code="not_sent")
        what = "no answer came in time" if isinstance(wire, requests.Timeout) or answer_lost \
            else "the connection was closed before Instagram answered"
        if publishing:
            return PublishError(
                ErrorKind.unknown_outcome,
                f"{action.capitalize()} was sent to Instagram but {what}; the post may exist, "
                "so it will be looked for before any new attempt.", status=status)
        return PublishError(ErrorKind.transient, f"Instagram did not answer while {action}: "
                                                 f"{what}; it will be tried again.")
    if (status is not None and status >= 500) or isinstance(root, ig.ClientJSONDecodeError):
        why = f"HTTP {status}" if status else "its answer could not be read"
        if publishing:
            return PublishError(
                ErrorKind.unknown_outcome,
                f"Instagram had a problem on its side while {action} ({why}); the post may "
                "exist anyway, so it will be looked for before any new attempt.",
                status=status, code=str(status or "unreadable"))
        return PublishError(ErrorKind.transient, f"Instagram had a temporary problem while "
                            f"{action} ({why}); it will be tried again.", status=status,
                            code=str(status or "unreadable"))
    if word == "media_needs_reupload" or "Transcode not finished" in said_:
        return PublishError(ErrorKind.transient, f"Instagram was not ready with the uploaded "
                            f"image ({said_}); it will be uploaded again.", status=status,
                            code="reupload")
    if isinstance(root, (ig.MediaNotFound, ig.MediaUnavailable, ig.ClientNotFoundError,
                         ig.InvalidMediaId)) or status == 404:
        return PublishError(ErrorKind.rejected, "Instagram no longer has this post.",
                            status=status, code="not_found")
    if status == 403:
        return PublishError(
            ErrorKind.auth_expired,
            f"Instagram refused {user} ({said_}); check the account in the Instagram app, then "
            f"store a new session ({DOCS}).", status=status, code="forbidden")
    if not isinstance(root, ig.ClientError) and publishing:  # not Instagram's answer at all
        return PublishError(ErrorKind.unknown_outcome, f"Something went wrong while {action} "
                            f"({type(root).__name__}); the post may exist, so it will be "
                            "looked for before any new attempt.")
    if not isinstance(root, ig.ClientError):
        return PublishError(ErrorKind.transient, f"Something went wrong while {action} "
                            f"({type(root).__name__}); it will be tried again.")
    return PublishError(ErrorKind.rejected, f"Instagram refused the post: {said_}",
                        status=status, code=word or (str(status) if status else "refused"))
