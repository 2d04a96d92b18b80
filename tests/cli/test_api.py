"""`api.call` through providers, proven against a local HTTP server on 127.0.0.1 only."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int]

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _send(self, status: int, body: object, **headers: str) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        self.hits[parts.path] = self.hits.get(parts.path, 0) + 1
        if parts.path == "/items":
            page = int(query.get("page", "1"))
            headers = {"Link": f'</items?page={page + 1}>; rel="next"'} if page < 3 else {}
            self._send(200, {"items": [f"item-{page}-a", f"item-{page}-b"]}, **headers)
        elif parts.path == "/cursor":
            cursor = query.get("after", "")
            following = {"": "c1", "c1": "c2", "c2": ""}[cursor]
            self._send(200, {"data": [cursor or "start"], "meta": {"next": following}})
        elif parts.path == "/limited":
            if self.hits[parts.path] == 1:
                self._send(429, {"error": "slow down"}, Retry_After="0")
            else:
                self._send(200, {"ok": True, "tries": self.hits[parts.path]})
        elif parts.path == "/down":
            self._send(503, {"error": "maintenance"})
        elif parts.path == "/later":
            self._send(429, {"error": "come back later"}, Retry_After="30")
        elif parts.path == "/secure":
            if self.headers.get("Authorization") == "Bearer s3cret":
                self._send(200, {"user": "ada"})
            else:
                self._send(401, {"error": "who are you"})
        else:
            self._send(404, {"error": "no such thing"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self._send(201, {"echo": json.loads(self.rfile.read(length))})


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, int]]]:
    hits: dict[str, int] = {}
    handler = type("Handler", (_Handler,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def _pipeline(project: Project, config: str) -> str:
    project.write(
        "api",
        f"""
        [pipeline]
        name = "api"

        [stages.call]
        uses = "api.call"
        config = {config}
        """,
    )
    return str(project.pipeline("api"))


def _run(cli: Cli, path: str, *extra: str) -> tuple[int, dict[str, object], str]:
    outcome = cli("run", path, "--format", "json", "--no-history", *extra)
    data = json.loads(outcome.out) if outcome.out.strip() else {}
    stage = data["stages"][0] if data else {}
    return outcome.code, stage, outcome.err


def test_link_pagination_and_a_json_pointer(cli: Cli, project: Project, server) -> None:
    url, hits = server
    path = _pipeline(
        project,
        f'{{ url = "{url}/items", result = "/items", paginate = {{ kind = "link" }}, output_key = "items" }}',
    )
    code, stage, err = _run(cli, path)
    assert code == 0, err
    assert stage["message"] == "6 items from 3 pages into 'items'"
    assert hits["/items"] == 3


def test_cursor_pagination(cli: Cli, project: Project, server) -> None:
    url, _ = server
    path = _pipeline(
        project,
        f'{{ url = "{url}/cursor", result = "/data", paginate = {{ kind = "cursor", cursor = "/meta/next", cursor_param = "after" }}, output_key = "rows" }}',
    )
    code, stage, err = _run(cli, path)
    assert code == 0, err
    assert stage["message"] == "3 items from 3 pages into 'rows'"


def test_retry_after_on_429_then_success(cli: Cli, project: Project, server) -> None:
    url, hits = server
    path = _pipeline(project, f'{{ url = "{url}/limited", result = "/tries", output_key = "t" }}')
    log = project.root / "run.log"
    code, _stage, err = _run(cli, path, "--log-file", str(log))
    assert code == 0, err
    assert hits["/limited"] == 2
    text = log.read_text()
    assert "429 from" in text and "waiting 0s (Retry-After), retry 1 of 3" in text


def test_503_backs_off_then_fails_with_the_status(cli: Cli, project: Project, server) -> None:
    url, hits = server
    path = _pipeline(
        project,
        f'{{ url = "{url}/down", output_key = "x", max_retries = 2, backoff = 0.01 }}',
    )
    code, stage, _ = _run(cli, path)
    assert code == 1
    assert hits["/down"] == 3
    assert "answered 503" in str(stage["message"])


def test_credentials_come_from_the_environment(
    cli: Cli, project: Project, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = server
    path = _pipeline(
        project,
        f'{{ url = "{url}/secure", auth = {{ env = "API_TOKEN" }}, output_key = "me" }}',
    )
    code, stage, _ = _run(cli, path)
    assert code == 1 and stage["message"] == "the environment variable API_TOKEN is not set"
    monkeypatch.setenv("API_TOKEN", "s3cret")
    code, stage, err = _run(cli, path)
    assert code == 0, err


def test_credentials_from_a_parameter_and_never_from_the_file(
    cli: Cli, project: Project, server
) -> None:
    url, _ = server
    path = _pipeline(
        project,
        f'{{ url = "{url}/secure", auth = {{ param = "token" }}, output_key = "me" }}',
    )
    code, _stage, err = _run(cli, path, "--set", "token=s3cret")
    assert code == 0, err
    literal = _pipeline(
        project,
        f'{{ url = "{url}/secure", headers = {{ Authorization = "Bearer s3cret" }}, output_key = "me" }}',
    )
    outcome = cli("validate", literal)
    assert outcome.code == 1
    assert "holds a credential" in outcome.out


def test_post_a_json_body(cli: Cli, project: Project, server) -> None:
    url, _ = server
    path = _pipeline(
        project,
        f'{{ method = "POST", url = "{url}/echo", body = {{ name = "ada" }}, result = "/echo/name", output_key = "n" }}',
    )
    code, stage, err = _run(cli, path)
    assert code == 0, err
    assert stage["message"] == "1 item from 1 page into 'n'"


def test_an_unknown_provider_names_the_installed_ones(cli: Cli, project: Project) -> None:
    path = _pipeline(
        project, '{ provider = "graphql", url = "http://127.0.0.1:9/", output_key = "x" }'
    )
    code, stage, _ = _run(cli, path)
    assert code == 1
    assert str(stage["message"]).startswith("provider 'graphql' is not available (installed: ")
    assert "http.json" in str(stage["message"])


def test_a_provider_from_the_project_stage_folder(cli: Cli, project: Project) -> None:
    folder = project.root / "my_providers"
    folder.mkdir()
    (folder / "canned.py").write_text(
        "from workbench.engine.api import ApiResponse, Provider\n\n"
        "class Canned(Provider):\n"
        "    name = 'canned'\n\n"
        "    def send(self, request):\n"
        "        return ApiResponse(200, {}, {'asked': request.url})\n"
    )
    settings = project.root / "workbench.toml"
    settings.write_text(
        settings.read_text().replace("stage_paths = [", 'stage_paths = ["my_providers", ')
    )
    path = _pipeline(
        project,
        '{ provider = "canned", url = "https://example.invalid/x", result = "/asked", output_key = "x" }',
    )
    code, stage, err = _run(cli, path)
    assert code == 0, err
    assert stage["message"] == "1 item from 1 page into 'x'"


def test_stages_lists_the_providers(cli: Cli) -> None:
    data = json.loads(cli("stages", "--format", "json").out)
    assert "http.json" in data["providers"]
    assert "providers: " in cli("stages").out


def test_a_stage_timeout_ends_a_retry_after_wait_at_once(
    cli: Cli, project: Project, server
) -> None:
    import time

    url, hits = server
    project.write(
        "api",
        f"""
        [pipeline]
        name = "api"

        [stages.call]
        uses = "api.call"
        timeout = "300ms"
        config = {{ url = "{url}/later", output_key = "x" }}
        """,
    )
    started = time.monotonic()
    code, stage, _ = _run(cli, str(project.pipeline("api")))
    assert code == 1
    assert stage["message"] == "timed out after 0.3s"
    assert time.monotonic() - started < 5
    assert hits["/later"] == 1
