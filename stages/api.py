"""``api.call``: call a JSON API through a provider, follow its pages, keep part of the answer.

::

    [stages.issues]
    uses = "api.call"
    config = { provider = "http.json", url = "https://api.example.com/issues", query = { state = "open" }, result = "/items", paginate = { kind = "link" }, auth = { env = "EXAMPLE_TOKEN" }, output_key = "issues" }

The ``http.json`` provider sends the request with urllib (method, URL, query,
JSON body, headers) and decodes a JSON answer. Pages are followed by the
``Link: <…>; rel="next"`` header (``kind = "link"``) or by a cursor read from
each answer with a JSON pointer and sent back as a query parameter
(``kind = "cursor"``); ``result`` is a JSON pointer to the part of each answer to
keep (lists from several pages are joined). 429 and 503 answers are retried as
:class:`~workbench.engine.api.APIStage` describes; any other status of 400 or more
fails the stage with the status and the start of the answer. Credentials come
from ``auth`` (the environment or a parameter), never from the file.

An answer may change at the source, so a call is not cached unless its config says
``idempotent = true``: the answer then depends only on the request, and is reused
while the request is unchanged. Its fingerprint is the request (provider, method,
URL, query, body, headers, where the credential comes from) and what is kept of
the answer (pages, pointer, key); never the credential's value, nor a context
value (it reads none), nor how patiently it asks (timeout, retries).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Literal

from pydantic import Field, field_validator

from stages._counts import counted
from workbench.engine import PlannedOperation, StageConfig, StageContext, StageError, StageResult
from workbench.engine.api import (
    APIConfig,
    ApiRequest,
    ApiResponse,
    APIStage,
    Credential,
    Provider,
    refuse_literal_credentials,
)

USER_AGENT = "stage-workbench/0.1 (+api.call)"
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


class HttpJsonProvider(Provider):
    """HTTP with JSON bodies, over urllib: no dependency beyond the standard library."""

    name = "http.json"
    description = "HTTP requests with JSON bodies and answers (urllib)."

    def send(self, request: ApiRequest) -> ApiResponse:
        url = request.url
        if request.query:
            parts = urllib.parse.urlsplit(url)
            query = urllib.parse.parse_qsl(parts.query) + [
                (k, _query_text(v)) for k, v in request.query.items()
            ]
            url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise StageError(f"{url!r} is not an http(s) URL")
        data = None
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **request.headers}
        if request.body is not None:
            data = json.dumps(request.body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(url, data=data, headers=headers, method=request.method)
        try:
            with urllib.request.urlopen(req, timeout=request.timeout) as answer:
                return _response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as exc:
            return _response(exc.code, dict(exc.headers or {}), exc.read())


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _response(status: int, headers: dict[str, str], raw: bytes) -> ApiResponse:
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
    return ApiResponse(status, headers, body)


class Pagination(StageConfig):
    kind: Literal["link", "cursor"] = Field(
        description="link: follow Link rel=next; cursor: send back a cursor from each answer."
    )
    cursor: str = Field(
        default="/next_cursor", description="cursor: JSON pointer to the next cursor."
    )
    cursor_param: str = Field(default="cursor", description="cursor: the query parameter.")
    max_pages: int = Field(default=100, ge=1, description="Stop after this many pages.")


class CallConfig(APIConfig):
    provider: str = Field(default="http.json", description="The provider's registered name.")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(description="The address to call.")
    query: dict[str, Any] = Field(default_factory=dict, description="Query parameters.")
    body: Any = Field(default=None, description="A JSON body.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra headers (no credentials: use auth)."
    )
    auth: Credential | None = Field(
        default=None, description='Where the credential comes from: { env = "NAME" }.'
    )
    paginate: Pagination | None = Field(default=None, description="How to follow pages.")
    result: str = Field(default="", description="JSON pointer to the part to keep; '' all.")
    output_key: str = Field(description="Context key that receives the result.")
    timeout: float = Field(default=30.0, gt=0, description="Seconds to wait per request.")
    idempotent: bool = Field(
        default=False,
        description="The answer depends only on the request: reuse it while the request "
        "is unchanged (the cache). Off: the call runs every time.",
    )

    @field_validator("headers")
    @classmethod
    def _no_credentials(cls, headers: dict[str, str]) -> dict[str, str]:
        return refuse_literal_credentials(headers)

    @field_validator("result")
    @classmethod
    def _pointer(cls, value: str) -> str:
        if value and not value.startswith("/"):
            raise ValueError(f"{value!r} is not a JSON pointer; write '/items' or ''")
        return value


class Call(APIStage):
    """Calls a service through a provider (``http.json`` by default) and keeps the answer."""

    name = "api.call"
    description = "Call a JSON API through a provider; pages, Retry-After, a JSON pointer."
    Config = CallConfig
    config: CallConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,)

    def not_cacheable(self) -> str | None:
        if not self.config.idempotent:
            return (
                "an API's answer may change at the source; set idempotent = true to reuse "
                "it while the request is unchanged"
            )
        return None

    def cache_keys(self) -> tuple[str, ...]:
        """None of the context: it reads no value there (a credential parameter is no input)."""
        return ()

    def cache_config(self) -> dict[str, Any]:
        """The request and what is kept of the answer; not the timeout or retry settings."""
        patience = {"timeout", "max_retries", "backoff", "max_wait", "idempotent"}
        config: dict[str, Any] = self.config.model_dump(mode="json", exclude=patience)
        return config

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cfg = self.config
        pages = f", following {cfg.paginate.kind} pages" if cfg.paginate else ""
        return [
            PlannedOperation(
                f"{cfg.method} {cfg.url} via {cfg.provider}{pages} -> {cfg.output_key!r}",
                action="fetch",
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        cfg = self.config
        provider = self.provider()
        headers = dict(cfg.headers)
        if cfg.auth is not None:
            headers[cfg.auth.header] = cfg.auth.value(ctx)
        url, query = cfg.url, dict(cfg.query)
        parts: list[Any] = []
        pages = 0
        while True:
            ctx.raise_if_cancelled()
            request = ApiRequest(cfg.method, url, query, headers, cfg.body, cfg.timeout)
            response = self.send(ctx, provider, request)
            if response.status >= 400:
                shown = json.dumps(response.body)[:200] if response.body is not None else ""
                raise StageError(f"{cfg.method} {url} answered {response.status}: {shown}")
            pages += 1
            parts.append(resolve_pointer(response.body, cfg.result))
            next_page = self._next(response, cfg.paginate)
            if next_page is None or pages >= (cfg.paginate.max_pages if cfg.paginate else 1):
                break
            url, query = next_page
            ctx.progress(pages, None, f"page {pages}")
        value = _join(parts)
        ctx.set(cfg.output_key, value)
        count = len(value) if isinstance(value, (list, dict)) else 1
        return StageResult.success(
            f"{counted(count, 'item')} from {counted(pages, 'page')} into {cfg.output_key!r}",
            count=count,
            unit="items",
            pages=pages,
        )

    def _next(
        self, response: ApiResponse, paginate: Pagination | None
    ) -> tuple[str, dict[str, Any]] | None:
        if paginate is None:
            return None
        if paginate.kind == "link":
            match = _LINK_NEXT.search(response.header("Link") or "")
            if match is None:
                return None
            return urllib.parse.urljoin(self.config.url, match.group(1)), {}
        cursor = resolve_pointer(response.body, paginate.cursor, missing=None)
        if cursor in (None, ""):
            return None
        return self.config.url, {**self.config.query, paginate.cursor_param: cursor}


_NO_DEFAULT: Any = object()


def resolve_pointer(document: Any, pointer: str, missing: Any = _NO_DEFAULT) -> Any:
    """RFC 6901: ``/items/0/name``; ``~1`` is ``/`` and ``~0`` is ``~``."""
    if not pointer:
        return document
    value = document
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            if missing is not _NO_DEFAULT:
                return missing
            raise StageError(f"the answer has nothing at {pointer!r} (stopped at {token!r})")
    return value


def _join(parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, list) for p in parts):
        return [item for part in parts for item in part]
    return parts
