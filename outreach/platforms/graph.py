"""What Facebook Pages and Instagram (Graph API) share: the pyfacebook client routed through
`platforms/http.py`, Meta's error codes, the usage headers, and the batch API.

Error handling: https://developers.facebook.com/docs/graph-api/guides/error-handling
Rate limiting and usage headers: https://developers.facebook.com/docs/graph-api/overview/rate-limiting
Batch requests: https://developers.facebook.com/docs/graph-api/batch-requests
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import requests
from pyfacebook import GraphAPI, LibraryError
from pyfacebook.exceptions import FacebookError

from outreach.platforms.base import (
    DEFAULT_TIMEOUT,
    Comment,
    ErrorKind,
    MediaURL,
    Metrics,
    Platform,
    PublishError,
    RateState,
)
from outreach.platforms.http import configure_session, mask_secrets, may_have_reached_platform
from outreach.platforms.reasons import reason

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Account

log = logging.getLogger(__name__)
T = TypeVar("T")

GRAPH_VERSION = "v23.0"
BATCH_MAX = 50  # sub-requests in one batch call
SLOW_DOWN_AT = 90  # percent of any usage figure: stop calling until the window has room
SLOW_DOWN_SECONDS = 15 * 60  # when the platform gives no time to regain access

AUTH_CODES = {190, 102, 10, 200}  # token invalid/expired, session, permission
# "200-299: API Permission (multiple values depending on permission)": the error-handling guide,
# https://developers.facebook.com/docs/graph-api/guides/error-handling/ ; a missing permission is
# fixed by reconnecting with it granted, like #10 and #200.
PERMISSION_CODES = range(200, 300)
RATE_CODES = {4, 17, 32, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014}
# 368 "Temporarily blocked for policies violations": the error-handling guide says "wait and
# retry the operation"; subcode 1390008 is Meta's "you are posting too fast".
BLOCKED = 368
POSTING_TOO_FAST = 1390008
BLOCKED_WAIT = 3600.0  # seconds
TOO_FAST_WAIT = 900.0
DUPLICATE = 506
TRANSIENT_CODES = {1, 2}  # "unknown error", "service temporarily unavailable"
# Reading, not writing: "Object with ID ... does not exist" is #100 with subcode 33 (the post
# was deleted); the only answer that means a post is gone.
GONE = (100, 33)
# Facebook Pages API error codes page: "Facebook Page insights are only available for Pages
# with at least 100 likes" (https://developers.facebook.com/docs/pages-api/error-codes).
SMALL_PAGE = 2874008


def refusal(error: Mapping[str, Any]) -> str:
    """What an error of one batch sub-request means for reading a post's figures:
    `gone` (#100/33: deleted), `withdrawn` (#100 without subcode: an invalid insights metric),
    `small_page` (a Page under 100 likes), `few_viewers` (Instagram's "(#10) Not enough viewers
    for the media to show insights", ig-media insights page, Limitations), `permission` (#10,
    #200-299: the token lacks read_insights / instagram_manage_insights), `rate` (throttled) or
    `other` (a sub-request that failed or timed out). Only `gone` means the post is gone."""
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    message = str(error.get("message") or "").lower()
    if (code, subcode) == GONE:
        return "gone"
    if subcode == SMALL_PAGE:
        return "small_page"
    if code == 10 and "not enough viewers" in message:
        return "few_viewers"
    if code == 10 or (code is not None and 200 <= code <= 299):
        return "permission"
    if code == 100 and subcode is None:
        return "withdrawn"
    if code in RATE_CODES:
        return "rate"
    return "other"


def sub_error(body: Any) -> dict:
    """The `error` object of a sub-request's body ({} when there is none)."""
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def insight_values(body: Any) -> dict[str, Any]:
    """`{"data": [{"name", "values": [{"value"}]}]}` -> {name: latest value}."""
    values: dict[str, Any] = {}
    for item in (body.get("data") if isinstance(body, dict) else None) or []:
        if isinstance(item, dict) and item.get("name"):
            values[item["name"]] = ((item.get("values") or [{}])[-1] or {}).get("value")
    return values


def usage_percent(headers: Mapping[str, str]) -> tuple[float, float | None]:
    """(highest usage percentage, minutes to regain access or None) from `X-App-Usage` and
    `X-Business-Use-Case-Usage`. Unreadable headers count as 0: they never stop publishing."""
    highest, regain = 0.0, None
    app = _json(headers.get("x-app-usage"))
    if isinstance(app, dict):
        highest = max([highest, *(_num(v) for v in app.values())])
    business = _json(headers.get("x-business-use-case-usage"))
    if isinstance(business, dict):
        for items in business.values():
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                for key in ("call_count", "total_cputime", "total_time"):
                    highest = max(highest, _num(item.get(key)))
                minutes = _num(item.get("estimated_time_to_regain_access"))
                if minutes:
                    regain = max(regain or 0.0, minutes)
    return highest, regain


def _json(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


class GraphPlatform(Platform):
    """A Graph API account: `self.api` is a pyfacebook `GraphAPI` whose session goes to
    `OUTREACH_GRAPH_API_URL`; every call goes through `self.call()`, which classifies errors."""

    token_field = "access_token"  # the credential holding the token
    # Metric names Meta refused (#100 "withdrawn"), learnt per Graph URL; one registry per
    # platform, since Facebook and Instagram name their insights differently.
    withdrawn_metrics: ClassVar[dict[str, set[str]]] = {}

    # Our metric -> the platform's insights metric; set by each platform.
    insights: ClassVar[dict[str, str]] = {}

    def fetch_metrics(self, remote_ids: list[str]) -> dict[str, Metrics]:
        """One Graph batch for the posts, two sub-requests each: the post's own fields (likes,
        comments, shares) and its insights, so a refusal of insights (a small audience, a Page
        under 100 likes, a token without the insights permission) keeps the rest. Only #100/33
        leaves a post out; other failures are said in `metrics_notes` / `metrics_unread`. When
        Meta refuses a metric as invalid, learn which one (`_learn_withdrawn`) and ask again
        without it."""
        if len(remote_ids) > self.limits.metrics_batch:
            raise ValueError(f"{self.label} metrics: at most {self.limits.metrics_batch} a call")
        ids = [str(i) for i in remote_ids]
        self.metrics_notes: dict[str, str] = {}
        self.metrics_unread: set[str] = set()
        if not ids:
            return {}
        withdrawn = self.withdrawn_metrics.setdefault(self.settings.graph_api_url, set())
        result: dict[str, Metrics] = {}
        refused = self._metrics_round(ids, withdrawn, result)
        if refused:
            self._learn_withdrawn(refused[0], withdrawn)
            still = self._metrics_round(refused, withdrawn, result)
            if still:
                log.warning("%s refused metrics for %d post(s)", self.label, len(still))
        return result

    def _fields_url(self, remote_id: str) -> str:
        """The sub-request for the post's own fields (counts, comments)."""
        raise NotImplementedError

    def _figures(self, fields: dict, values: dict[str, Any] | None) -> Metrics:
        """Our metrics from the fields answer and the insights values (None: refused)."""
        raise NotImplementedError

    def _metrics_round(self, ids: list[str], withdrawn: set[str],
                       result: dict[str, Metrics]) -> list[str]:
        """One batch call filling `result`; returns the ids whose insights were refused as
        invalid metrics (#100 without subcode)."""
        metrics = [m for m in self.insights.values() if m not in withdrawn]
        urls = []
        for i in ids:
            urls.append(self._fields_url(i))
            if metrics:
                urls.append(f"{i}/insights?metric={','.join(metrics)}")
        answers = self.batch(urls)
        step = 2 if metrics else 1
        refused = []
        for n, remote_id in enumerate(ids):
            code, body = answers[n * step]
            if code != 200 or not isinstance(body, dict) or "error" in body:
                self._not_read(remote_id, code, sub_error(body))
                continue
            values = None
            if metrics:
                icode, ibody = answers[n * step + 1]
                if icode == 200 and isinstance(ibody, dict) and "error" not in ibody:
                    values = insight_values(ibody)
                else:
                    kind = refusal(sub_error(ibody))
                    if kind == "withdrawn":
                        refused.append(remote_id)
                    self.metrics_notes[remote_id] = self._insights_note(kind,
                                                                        sub_error(ibody))
            if values is not None:  # a second round after learning a withdrawn metric
                self.metrics_notes.pop(remote_id, None)
            result[remote_id] = self._figures(self._remember_comments(remote_id, body), values)
        return refused

    def _not_read(self, remote_id: str, code: int, error: dict) -> None:
        """The post's own fields could not be read: gone (#100/33, left out: the sync counts a
        miss), or not this time (kept, read again later; a throttled answer stops the
        account's calls like the usage headers do)."""
        kind = refusal(error)
        if kind == "gone":
            return
        self.metrics_unread.add(remote_id)
        tag = f"{error.get('code', code)}" + (f"/{error['error_subcode']}"
                                              if error.get("error_subcode") else "")
        if kind == "rate":
            wait = (self._regain_minutes or 0) * 60 or SLOW_DOWN_SECONDS
            self._slow_until = max(self._slow_until or 0, time.time() + wait)
        said = " ".join(self.mask(str(error.get("message") or "no answer")).split())[:200]
        self.metrics_notes[remote_id] = reason("graph.figures_unread", label=self.label,
                                               tag=tag, said=said)

    def _insights_note(self, kind: str, error: dict) -> str:
        """Plain words on why views and reach are missing, for the delivery's page."""
        kept = self.kept_without_insights
        if kind == "few_viewers":
            return reason("graph.few_viewers", label=self.label, kept=kept)
        if kind == "small_page":
            return reason("graph.small_page", label=self.label, kept=kept)
        if kind == "permission":
            return reason("graph.insights_permission", label=self.label, kept=kept,
                          permission=self.insights_permission)
        code = error.get("code")
        said = " ".join(self.mask(str(error.get("message") or "no answer")).split())[:200]
        return reason("graph.no_insights", label=self.label, tag=code, said=said, kept=kept)

    kept_without_insights: ClassVar[str] = "likes and comments"
    insights_permission: ClassVar[str] = "insights"

    def _learn_withdrawn(self, remote_id: str, withdrawn: set[str]) -> None:
        """Ask each insights metric alone for one post: those refused as invalid metrics are
        withdrawn (not those refused for another reason, e.g. a Page under 100 likes)."""
        asked = [m for m in self.insights.values() if m not in withdrawn]
        answers = self.batch([f"{remote_id}/insights?metric={m}" for m in asked])
        for metric, (code, body) in zip(asked, answers, strict=True):
            if code != 200 and refusal(sub_error(body)) == "withdrawn":
                log.warning("%s no longer provides the metric %s; it is left out.",
                            self.label, metric)
                withdrawn.add(metric)

    # -- comments riding with the metrics -----------------------------------------------------
    def _comment(self, item: dict) -> Comment:
        """One comment of Graph's answer as ours."""
        raise NotImplementedError

    def _remember_comments(self, remote_id: str, fields: dict) -> dict:
        """Keep the newest comments that came with the post's fields (a `comments{...}` field
        expansion in the metrics batch), so `fetch_comments_many` needs no call of its own:
        (comments, whether that was all of them)."""
        answer = fields.get("comments")
        if isinstance(answer, dict) and isinstance(answer.get("data"), list):
            comments = [self._comment(item) for item in answer["data"]
                        if isinstance(item, dict) and item.get("id")]
            complete = not (answer.get("paging") or {}).get("next")
            self._comments_seen[remote_id] = (comments, complete)
        return fields

    def fetch_comments_many(self, remote_ids: list[str], since: datetime | None = None
                            ) -> dict[str, list[Comment]]:
        """Comments of several posts: those the last metrics batch brought along when they
        reach back to `since` (or are all of them), else `fetch_comments` for that post."""
        found: dict[str, list[Comment]] = {}
        for remote_id in (str(i) for i in remote_ids):
            comments, complete = self._comments_seen.pop(remote_id, ([], False))
            oldest = min((c.created_at for c in comments if c.created_at), default=None)
            if complete or (since is not None and oldest is not None and oldest <= since):
                found[remote_id] = sorted(
                    (c for c in comments if since is None or c.created_at is None
                     or c.created_at >= since),
                    key=lambda c: (c.created_at is None, c.created_at, c.remote_id))
            else:
                found[remote_id] = self.fetch_comments(remote_id, since=since)
        return found

    def __init__(
        self,
        account: Account,
        credentials: Mapping[str, str],
        settings: Settings,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        media_url: MediaURL | None = None,
    ) -> None:
        super().__init__(account, credentials, settings, timeout=timeout, media_url=media_url)
        token = self.credentials[self.token_field]
        self._secrets = tuple(v for k, v in self.credentials.items() if k in self.secret_fields)
        # sleep_on_rate_limit off: pyfacebook would sleep inside the call; we reschedule.
        self.api = GraphAPI(
            access_token=token,
            version=GRAPH_VERSION,
            base_url=settings.graph_api_url.rstrip("/") + "/",
            timeout=None,  # the adapter's (connect, read) timeout applies
            sleep_on_rate_limit=False,
        )
        configure_session(self.api.session, settings.graph_api_url, timeout=timeout,
                          secrets=self._secrets)
        self.api.session.hooks["response"].append(self._remember)
        self.last_status: int | None = None
        self._comments_seen: dict[str, tuple[list[Comment], bool]] = {}
        self.usage: float = 0.0
        self._regain_minutes: float | None = None
        self._slow_until: float | None = None

    # -- usage ------------------------------------------------------------------------------
    requests_made = 0  # HTTP requests answered (a batch is one), for the sync's figures

    def _remember(self, response: requests.Response, *args, **kwargs) -> None:
        self.last_status = response.status_code
        self.requests_made += 1
        if "x-app-usage" not in response.headers and \
                "x-business-use-case-usage" not in response.headers:
            return
        self.usage, self._regain_minutes = usage_percent(response.headers)
        if self.usage >= SLOW_DOWN_AT:
            seconds = (self._regain_minutes or 0) * 60 or SLOW_DOWN_SECONDS
            self._slow_until = time.time() + seconds
        else:
            self._slow_until = None

    @property
    def rate_state(self) -> RateState | None:  # type: ignore[override]
        """Meta gives percentages, not counts: above 90 % the account has "no calls left"
        until the platform's time to regain access (or 15 minutes) has passed."""
        if self._slow_until is not None:
            return RateState(limit=100, remaining=0,
                             reset_at=datetime.fromtimestamp(self._slow_until, UTC))
        if self.last_status is None:
            return None
        return RateState(limit=100, remaining=max(0, int(100 - self.usage)), reset_at=None)

    def check_usage(self) -> None:
        """Refuse to call while Meta's usage headers said the account is above 90 %."""
        if self._slow_until is not None and self._slow_until > time.time():
            wait = self._slow_until - time.time()
            raise PublishError.coded(
                ErrorKind.rate_limited, "graph.usage", label=self.label,
                usage=f"{self.usage:.0f}", minutes=f"{wait / 60:.0f}", retry_after=wait)

    # -- calls ------------------------------------------------------------------------------
    def call(self, what: Callable[[], T], *, publishing: bool, action: str) -> T:
        """Run one pyfacebook call; any failure becomes a PublishError. `publishing`: the call
        creates something people see, so a lost answer means "look before retrying"."""
        self.check_usage()
        self.last_status = None
        try:
            return what()
        except FacebookError as exc:
            raise self.graph_error(exc, publishing=publishing, action=action) from None
        except requests.RequestException as exc:
            raise self.network_error(exc, publishing=publishing, action=action) from None
        except (LibraryError, ValueError, KeyError, TypeError) as exc:
            # Not Graph's JSON (a proxy's HTML page, an empty body): we cannot tell what happened.
            status = self.last_status
            log.debug("unreadable %s answer (%s): %s", self.label, status, type(exc).__name__)
            if publishing and (status is None or status >= 500 or status < 400):
                raise PublishError.coded(
                    ErrorKind.unknown_outcome, "graph.unreadable_publish", label=self.label,
                    action=action, status=status) from None
            raise PublishError.coded(
                ErrorKind.transient, "graph.unreadable_status" if status else "graph.unreadable",
                label=self.label, action=action, status=status) from None

    def graph_error(self, exc: FacebookError, *, publishing: bool, action: str) -> PublishError:
        code = _int(getattr(exc, "code", None))
        subcode = _int(getattr(exc, "error_subcode", None))
        status = self.last_status
        said = self.mask(str(getattr(exc, "error_user_msg", "") or getattr(exc, "message", "")))
        said = " ".join(said.split())[:300] or reason("graph.no_reason")
        tag = f"{code}" + (f"/{subcode}" if subcode else "")
        if code in RATE_CODES:
            wait = (self._regain_minutes or 0) * 60 or (3600.0 if code == 32 else 900.0)
            return PublishError.coded(
                ErrorKind.rate_limited, "graph.rate", label=self.label, minutes=f"{wait / 60:.0f}",
                retry_after=wait, status=status, code=str(code))
        if code in AUTH_CODES or code in PERMISSION_CODES:
            return PublishError.coded(
                ErrorKind.auth_expired, "graph.auth_said", label=self.label, said=said,
                why=self._auth_message(code, subcode), status=status, code=tag)
        if code == DUPLICATE:
            return PublishError.coded(ErrorKind.rejected, "graph.duplicate", label=self.label,
                                      status=status, code="duplicate")
        if code == BLOCKED:
            # Temporary by Meta's own word: wait, then try again (nothing was published).
            fast = subcode == POSTING_TOO_FAST
            wait = TOO_FAST_WAIT if fast else BLOCKED_WAIT
            return PublishError.coded(
                ErrorKind.rate_limited, "graph.blocked", label=self.label, said=said,
                why=reason("graph.too_fast" if fast else "graph.policies"),
                minutes=f"{wait / 60:.0f}", retry_after=wait, status=status, code="blocked")
        transient = getattr(exc, "is_transient", False) or code in TRANSIENT_CODES
        if (status is not None and status >= 500) or transient:
            if publishing:
                return PublishError.coded(
                    ErrorKind.unknown_outcome, "graph.server_publish", label=self.label,
                    action=action, tag=tag, status=status, code=tag)
            return PublishError.coded(
                ErrorKind.transient, "graph.temporary", label=self.label, action=action,
                tag=tag, status=status, code=tag)
        return self.rejected(code, subcode, said, status)

    def rejected(self, code: int | None, subcode: int | None, said: str,
                 status: int | None) -> PublishError:
        tag = f"{code}" + (f"/{subcode}" if subcode else "")
        return PublishError.coded(ErrorKind.rejected, "graph.refused", label=self.label,
                                  tag=tag, said=said, status=status, code=tag)

    def _auth_message(self, code: int | None, subcode: int | None) -> str:
        if code == 190 and subcode == 463:
            why = reason("graph.token_expired")
        elif code == 190 and subcode == 460:
            why = reason("graph.password_changed")
        elif code == 10 or code in PERMISSION_CODES:
            why = reason("graph.permission")
        else:
            why = reason("graph.token_invalid")
        if self.verifying:  # new credentials, not yet an account to reconnect
            return reason("graph.auth_verify", label=self.label, why=why)
        return reason("graph.auth_account", label=self.label, name=repr(self.account.name),
                      why=why)

    verifying = False

    def verify_call(self, what: Callable[[], T], *, action: str) -> T:
        """A call made by `verify()`: refused credentials are said as such."""
        self.verifying = True
        try:
            return self.call(what, publishing=False, action=action)
        finally:
            self.verifying = False

    def network_error(self, exc: requests.RequestException, *, publishing: bool,
                      action: str) -> PublishError:
        if not may_have_reached_platform(exc):
            return PublishError.coded(ErrorKind.transient, "net.no_connect", label=self.label,
                                      action=action)
        what = reason("net.timeout") if isinstance(exc, requests.Timeout) else \
            reason("net.closed", label=self.label)
        if publishing:
            return PublishError.coded(ErrorKind.unknown_outcome, "net.lost_publish",
                                      label=self.label, Action=action.capitalize(), what=what)
        return PublishError.coded(ErrorKind.transient, "net.no_answer", label=self.label,
                                  action=action, what=what)

    def mask(self, text: str) -> str:
        return mask_secrets(text, self._secrets)

    def post_reply(self, object_id: str, connection: str, text: str) -> str:
        """`POST /{object_id}/{connection}` with `message`: a reply to a comment, as the account;
        returns its id. A refused permission (#10, #200) is said with `reply_permission`."""
        self.check_reply(text)
        try:
            answer = self.call(lambda: self.api.post_object(
                object_id=str(object_id), connection=connection, data={"message": text}),
                publishing=True, action="replying to the comment")
        except PublishError as exc:
            if exc.kind == ErrorKind.auth_expired and (exc.code or "").split("/")[0] in (
                    "10", "200"):
                raise PublishError(
                    ErrorKind.rejected,
                    f"The {self.label} account's token lacks the {self.reply_permission} "
                    "permission that replying to comments needs: an admin reconnects the "
                    "account and grants it.", status=exc.status, code="permission") from None
            raise
        if not isinstance(answer, dict) or not answer.get("id"):
            raise PublishError(ErrorKind.unknown_outcome, f"{self.label} accepted the reply but "
                               "did not say which comment it is; check on the platform.")
        return str(answer["id"])

    # -- batch ------------------------------------------------------------------------------
    def batch(self, relative_urls: list[str]) -> list[tuple[int, Any]]:
        """GET sub-requests in one batch call: [(HTTP code, parsed body or None), ...], in order.

        https://developers.facebook.com/docs/graph-api/batch-requests
        """
        if len(relative_urls) > BATCH_MAX:
            raise ValueError(f"a Graph batch holds at most {BATCH_MAX} requests")
        if not relative_urls:
            return []
        spec = [{"method": "GET", "relative_url": url} for url in relative_urls]
        answer = self.call(
            lambda: self.api.post_object(
                object_id="", data={"batch": json.dumps(spec), "include_headers": "false"}),
            publishing=False, action="reading metrics",
        )
        if not isinstance(answer, list) or len(answer) != len(spec):
            raise PublishError(ErrorKind.transient,
                               reason("graph.batch_unreadable", label=self.label))
        results = []
        for item in answer:
            if not isinstance(item, dict):  # null: the sub-request timed out on Meta's side
                results.append((503, None))
                continue
            results.append((_int(item.get("code")) or 0, _json(item.get("body"))))
        return results


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def graph_time(value: str | None) -> datetime | None:
    """Graph's `2026-12-05T01:00:00+0000` (or ISO 8601) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


RECONCILE_WINDOW = timedelta(days=2)  # how far back find_existing looks
