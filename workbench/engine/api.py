"""API stages: stages that call an external service through a provider chosen by name.

A :class:`Provider` knows how to send one :class:`ApiRequest` and return an
:class:`ApiResponse` (``http.json`` does it over HTTP with JSON; a test double,
an SDK or another transport can too). Providers are registered by name through
the ``workbench.providers`` entry-point group, or defined in a project's stage
folders (``stage_paths``) next to its stages. An :class:`APIStage` names its
provider in config (``provider = "http.json"``); a name that is not registered
fails the stage with "provider 'x' is not available (installed: …)".

:meth:`APIStage.send` retries what the service asks to be retried: a 429 or 503
answer waits the ``Retry-After`` the service gave (seconds or an HTTP date), or
else an exponential backoff, up to ``max_retries`` times and at most
``max_wait`` seconds a wait, checking for cancellation while it waits.

Credentials never sit in a pipeline file: :class:`Credential` takes them from
the environment (``env = "API_TOKEN"``) or from a pipeline parameter
(``param = "token"``, given with ``--set`` or the app's Parameters form), and a
credential header written in the file is a validation error. The environment is
the better home: parameters are recorded with the run in the history.
"""

from __future__ import annotations

import email.utils
import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, model_validator

from workbench.engine.errors import StageError
from workbench.engine.stage import Stage, StageConfig

if TYPE_CHECKING:
    from workbench.engine.context import StageContext

ENTRY_POINT_GROUP = "workbench.providers"
RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    url: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any
    """The decoded body (JSON for ``http.json``)."""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class Provider:
    """Sends requests to one kind of service. Subclass, set ``name``, implement :meth:`send`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def send(self, request: ApiRequest) -> ApiResponse:
        raise NotImplementedError(f"provider {self.name!r} does not implement send()")


class ProviderRegistry:
    """Providers by name: the installed ones (entry points) and those of project folders."""

    def __init__(self) -> None:
        self._providers: dict[str, type[Provider]] = {}
        self._discovered = False
        self._lock = threading.Lock()
        self.errors: list[str] = []

    def register(self, provider: type[Provider]) -> type[Provider]:
        if not provider.name:
            raise ValueError(f"{provider.__qualname__} has no name")
        self._providers[provider.name] = provider
        return provider

    def add_from_module(self, module: ModuleType) -> None:
        """Register the Provider subclasses a project module defines (called by discovery)."""
        for _, obj in sorted(vars(module).items()):
            if (
                inspect.isclass(obj)
                and issubclass(obj, Provider)
                and obj is not Provider
                and obj.__module__ == module.__name__
                and obj.name
            ):
                self.register(obj)

    def _discover(self) -> None:
        with self._lock:
            if self._discovered:
                return
            self._discovered = True
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                try:
                    obj = ep.load()
                except Exception as exc:
                    self.errors.append(f"{ep.name} = {ep.value}: {type(exc).__name__}: {exc}")
                    continue
                if isinstance(obj, ModuleType):
                    self.add_from_module(obj)
                elif inspect.isclass(obj) and issubclass(obj, Provider):
                    self._providers.setdefault(obj.name or ep.name, obj)
                else:
                    self.errors.append(f"{ep.name} = {ep.value}: not a Provider subclass")

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._providers)

    def get(self, name: str) -> Provider:
        self._discover()
        cls = self._providers.get(name)
        if cls is None:
            installed = ", ".join(self.names()) or "none"
            raise StageError(f"provider {name!r} is not available (installed: {installed})")
        return cls()


providers = ProviderRegistry()
"""The process's providers; discovery adds a project's own as it loads its stage folders."""


class Credential(StageConfig):
    """Where a secret comes from: ``{ env = "API_TOKEN" }`` or ``{ param = "token" }``."""

    env: str | None = Field(default=None, description="An environment variable.")
    param: str | None = Field(default=None, description="A pipeline parameter (--set).")
    header: str = Field(default="Authorization", description="The header it is sent in.")
    scheme: str = Field(default="Bearer", description="Written before it; '' for none.")

    @model_validator(mode="after")
    def _one_source(self) -> Credential:
        if (self.env is None) == (self.param is None):
            raise ValueError("give either env (an environment variable) or param (a parameter)")
        return self

    def value(self, ctx: StageContext) -> str:
        import os

        if self.env is not None:
            secret = os.environ.get(self.env)
            if not secret:
                raise StageError(f"the environment variable {self.env} is not set")
        else:
            assert self.param is not None
            found = ctx.params.get(self.param)
            if found in (None, ""):
                raise StageError(f"the parameter {self.param!r} is not set (--set {self.param}=…)")
            secret = str(found)
        return f"{self.scheme} {secret}" if self.scheme else secret


_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-auth-token", "cookie"}
)


def refuse_literal_credentials(headers: dict[str, str]) -> dict[str, str]:
    """A pydantic validator helper: credentials must come from ``auth``, never the file."""
    for name in headers:
        if name.lower() in _CREDENTIAL_HEADERS:
            raise ValueError(
                f"header {name!r} holds a credential: take it from the environment or a "
                'parameter instead, e.g. auth = { env = "API_TOKEN" }'
            )
    return headers


class APIConfig(StageConfig):
    provider: str = Field(description="The provider's registered name, e.g. 'http.json'.")
    max_retries: int = Field(default=3, ge=0, description="Retries after 429/503 answers.")
    backoff: float = Field(default=1.0, gt=0, description="First wait without Retry-After, s.")
    max_wait: float = Field(default=60.0, gt=0, description="Longest single wait, s.")


class APIStage(Stage):
    """Base of stages that call a service through a provider named in config."""

    Config: ClassVar[type[APIConfig]] = APIConfig  # type: ignore[assignment]
    config: APIConfig

    def provider(self) -> Provider:
        return providers.get(self.config.provider)

    def send(self, ctx: StageContext, provider: Provider, request: ApiRequest) -> ApiResponse:
        """Send a request, waiting and retrying as 429/503 answers ask."""
        attempt = 0
        while True:
            try:
                response = provider.send(request)
            except StageError:
                raise
            except OSError as exc:
                raise StageError(f"{request.method} {request.url} failed: {exc}") from exc
            if response.status not in RETRY_STATUSES or attempt >= self.config.max_retries:
                return response
            wait = retry_after(response.header("Retry-After"))
            source = "Retry-After"
            if wait is None:
                wait, source = self.config.backoff * 2**attempt, "backoff"
            wait = min(wait, self.config.max_wait)
            attempt += 1
            ctx.log(
                f"{response.status} from {request.url}: waiting {wait:g}s ({source}), "
                f"retry {attempt} of {self.config.max_retries}",
                "warning",
            )
            self._wait(ctx, wait)

    def _wait(self, ctx: StageContext, seconds: float) -> None:
        """Wait before a retry; a timeout or a cancel ends the wait at once."""
        if ctx.wait_cancelled(seconds):
            ctx.check_cancelled()


def retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now())
