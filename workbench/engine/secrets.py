"""Secret values: which keys hold them, and masking them wherever a value could be seen.

A context key or parameter is secret when

- the pipeline declares it so: ``[context] token = { secret = true, value = "..." }``
  (``value`` may be left out and given with ``--set``), or ``secret_keys = [...]``
  in the project's ``workbench.toml``;
- or its name looks like one: a word of it is ``password``, ``passwd``, ``pwd``,
  ``passphrase``, ``secret``, ``token``, ``apikey``, ``credential(s)``, ``auth``,
  ``bearer``, or two adjacent words are ``api key``, ``private key``, ``access key``.
  Words are split at ``_``, ``-``, ``.`` and camelCase, so ``api_token``,
  ``DB_PASSWORD`` and ``apiKey`` are secret, while ``max_tokens`` (``tokens`` is not
  ``token``), ``author`` and ``tokenizer`` are not. A name whose last word says it
  describes a secret rather than holds one (``token_count``, ``password_file``,
  ``secret_name``, ``auth_url``...) is not secret either.
  ``{ secret = false, value = ... }`` in ``[context]`` turns a pattern off for a key.

Masking is by key and by value. A secret key's value is shown as ``••••``; and every
secret *value* (of at least :data:`MIN_SEARCH` characters) is replaced wherever it
appears in text: log lines, result messages, change summaries, previews, plans. A
value copied to another key (``pw_copy = password``) therefore stays masked, and
the other key becomes secret too. A value a stage transforms (upper-cases, hashes)
is no longer recognised; declare the key it lands in as secret.

:class:`Secrets` is the one object that knows; the runner, the dry run, the history
and the front ends all ask it.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline

MASK = "••••"
"""What a secret value is shown as, everywhere."""

MIN_SEARCH = 4
"""Secret values shorter than this are masked where their key is known, but not searched
for in free text (masking every "1" in a log would hide everything and protect nothing)."""

_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
        "auth",
        "bearer",
        "privatekey",
    }
)
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
_DESCRIPTIVE = frozenset(
    {
        "count",
        "counts",
        "length",
        "len",
        "size",
        "limit",
        "max",
        "min",
        "num",
        "number",
        "path",
        "file",
        "dir",
        "url",
        "uri",
        "endpoint",
        "type",
        "kind",
        "name",
        "env",
        "var",
    }
)
"""A last word that makes a name describe a secret rather than hold one."""
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(key: str) -> list[str]:
    """``"apiKey"`` -> ``["api", "key"]``; ``"DB_PASSWORD"`` -> ``["db", "password"]``."""
    return [w.lower() for w in _WORD.findall(key)]


@functools.lru_cache(maxsize=4096)
def looks_secret(key: str) -> bool:
    """Whether a key's name alone says it holds a secret (see the module docstring)."""
    words = name_words(key)
    if not words or (words[-1] in _DESCRIPTIVE and len(words) > 1):
        return False
    if any(w in _SECRET_WORDS for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def is_declaration(value: Any) -> bool:
    """``{ secret = true/false, value = ... }`` in ``[context]``: a key's secrecy declared."""
    return (
        isinstance(value, dict)
        and "secret" in value
        and isinstance(value["secret"], bool)
        and set(value) <= {"secret", "value"}
    )


def split_context(context: Mapping[str, Any]) -> tuple[dict[str, Any], set[str], set[str]]:
    """The ``[context]`` values with declarations unwrapped; the keys declared secret and public.

    A declaration without ``value`` gives no value: the key is set only by ``--set``.
    """
    values: dict[str, Any] = {}
    secret: set[str] = set()
    public: set[str] = set()
    for key, raw in context.items():
        if is_declaration(raw):
            (secret if raw["secret"] else public).add(key)
            if "value" in raw:
                values[key] = raw["value"]
        else:
            values[key] = raw
    return values, secret, public


@dataclass(frozen=True, slots=True)
class SecretPolicy:
    """Which key names are secret: declared ones, public ones, and the name patterns."""

    declared: frozenset[str] = frozenset()
    public: frozenset[str] = frozenset()

    def is_secret(self, key: str) -> bool:
        if key in self.public:
            return False
        return key in self.declared or looks_secret(key)

    @classmethod
    def for_pipeline(cls, pipeline: Pipeline) -> SecretPolicy:
        """The pipeline's ``[context]`` declarations plus its project's ``secret_keys``."""
        from workbench.engine.settings import settings_of

        _, secret, public = split_context(pipeline.spec.context)
        declared = secret | set(settings_of(pipeline.project_dir).secret_keys)
        return cls(frozenset(declared - public), frozenset(public))


class Secrets:
    """The secret keys and values of one run (or dry run), and masking with them.

    Thread-safe: stages in worker threads write the context, and each write may
    make a key secret (:meth:`note_write`).
    """

    def __init__(self, policy: SecretPolicy | None = None) -> None:
        self.policy = policy or SecretPolicy()
        self._keys: set[str] = set()
        self._exact: set[str] = set()
        self._search: tuple[str, ...] = ()
        self._lock = threading.Lock()

    @classmethod
    def for_pipeline(cls, pipeline: Pipeline, params: Mapping[str, Any]) -> Secrets:
        """Secrets of a pipeline run with these parameters, and its stages' secret config."""
        secrets = cls(SecretPolicy.for_pipeline(pipeline))
        for key, value in params.items():
            if secrets.policy.is_secret(key):
                secrets.add(value, key)
        for ps in pipeline.stages.values():
            if ps.stage is not None:
                for value in ps.stage.secret_values():
                    secrets.add(value)
        return secrets

    @property
    def active(self) -> bool:
        """True when there is anything to mask by value."""
        return bool(self._exact)

    def is_secret(self, key: str) -> bool:
        return key in self._keys or self.policy.is_secret(key)

    def add(self, value: Any, key: str | None = None) -> None:
        """Treat ``value`` (and every string inside it) as secret; ``key`` as a secret key."""
        with self._lock:
            if key is not None:
                self._keys.add(key)
            fresh = [text for text in _leaves(value) if text and text not in self._exact]
            if not fresh:
                return
            self._exact.update(fresh)
            search = set(self._search)
            for text in fresh:
                if len(text) >= MIN_SEARCH:
                    search.add(text)
                    escaped = json.dumps(text)[1:-1]
                    if escaped != text:
                        search.add(escaped)
            # Longest first: a secret inside another is replaced after the longer one.
            self._search = tuple(sorted(search, key=len, reverse=True))

    def note_write(self, key: str, value: Any) -> bool:
        """A stage wrote ``key``: it is secret when its name is, or its value is a secret's.

        Returns whether it is; its value is then masked from here on.
        """
        secret = self.is_secret(key) or (self.active and _holds_secret(value, self._exact))
        if secret:
            self.add(value, key)
        return secret

    # -- masking ---------------------------------------------------------------------
    def mask_text(self, text: str) -> str:
        """``text`` with every secret value in it replaced by :data:`MASK`.

        A secret cut short by a summary (``'hunter2…'`` of a longer value) is caught too.
        """
        search = self._search
        if not search or not text:
            return text
        for secret in search:
            if secret in text:
                text = text.replace(secret, MASK)
        if "…" in text:
            text = _mask_cut(text, search)
        return text

    def mask_value(self, key: str, value: Any) -> Any:
        """What may be shown of ``key``'s value: :data:`MASK` for a secret key."""
        if self.is_secret(key):
            return MASK
        return self.mask_data(value)

    def mask_data(self, value: Any) -> Any:
        """A JSON-like structure with secret keys and secret values masked (a new one)."""
        if isinstance(value, str):
            return MASK if value in self._exact else self.mask_text(value)
        if isinstance(value, Mapping):
            return {k: self.mask_value(str(k), v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.mask_data(v) for v in value]
        if self.active and not isinstance(value, bool) and str(value) in self._exact:
            return MASK
        return value

    def mask_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {key: self.mask_value(key, value) for key, value in params.items()}


def _leaves(value: Any, limit: int = 1000) -> list[str]:
    """The strings (and numbers as text) inside a value, at most ``limit`` of them; only
    the first ``limit`` items of each container are looked at (a 100,000-row table
    written to the context must not be walked whole on every write)."""
    out: list[str] = []
    stack = [value]
    while stack and len(out) < limit:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping):
            stack.extend(itertools.islice(item.values(), limit))
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(itertools.islice(item, limit))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            out.append(str(item))
        elif isinstance(item, bytes):
            out.append(item.decode("utf-8", "replace"))
    return out


def _holds_secret(value: Any, exact: set[str]) -> bool:
    """Whether a written value is (or contains, as a whole string) a secret value."""
    return any(text in exact for text in _leaves(value, limit=200))


def _mask_cut(text: str, search: Iterable[str]) -> str:
    """Mask the start of a secret cut off by a summary's "…" (at least MIN_SEARCH chars)."""
    out: list[str] = []
    start = 0
    for match in re.finditer("…", text):
        end = match.start()
        best = 0
        for secret in search:
            limit = min(len(secret), end - start)
            k = limit
            while k >= MIN_SEARCH and text[end - k : end] != secret[:k]:
                k -= 1
            if k >= MIN_SEARCH and k > best:
                best = k
        if best:
            out.append(text[start : end - best])
            out.append(MASK)
            start = match.end()
    out.append(text[start:])
    return "".join(out)


def mask_env_text(env: Mapping[str, str], public: Iterable[str] = ()) -> str:
    """``K=v`` pairs for a plan line, values masked unless their name is public."""
    shown = set(public)
    return " ".join(f"{k}={v if k in shown else MASK}" for k, v in sorted(env.items()))
