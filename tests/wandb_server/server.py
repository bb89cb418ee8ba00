"""The HTTP side: routes, auth, fault injection, and the ``WandbServer`` tests hold.

Routes (see README.md for how the SDK uses each one):
  POST /graphql                                         GraphQL (schema.py resolvers)
  POST /files/{entity}/{project}/{run}/file_stream      history/summary/console/exit code
  PUT  /storage/upload/{token}                          signed upload URL from createRunFiles
  GET  /storage/files/{file_id}                         download URL of a run file
  PUT  /storage/artifact-upload/{token}                 an artifact file or manifest (artifacts_api.py)
  GET  /storage/artifact-files/{blob_id}                an artifact file or manifest
  GET  /artifactsV2/{region}/{entity}/.../{md5 hex}/{name}  an artifact file, by digest (authorized)
  POST /sdk/otel/...                                    SDK telemetry, accepted and dropped
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import filestream, graphql, schema
from .artifacts import ArtifactStore
from .artifacts_api import ServerArtifacts
from .faults import Faults, Verdict
from .storage import Run, Storage

logger = logging.getLogger(__name__)

API_KEY = "local-" + "0123456789abcdef" * 3  # the SDK insists on 40+ characters
DEFAULT_ENTITY = "test-entity"
PUBLIC_API_AGENT = "W&B Public Client"  # wandb.Api()'s User-Agent; a live run sends "wandb-core"


class WandbServer(ServerArtifacts):
    """A W&B-protocol server on 127.0.0.1 for one test; ``start()`` then ``stop()``."""

    def __init__(self, storage_dir: Path | None = None, entity: str = DEFAULT_ENTITY) -> None:
        self._tmp = None if storage_dir else tempfile.TemporaryDirectory(prefix="wandb-server-")
        self.storage_dir = Path(storage_dir or self._tmp.name)  # type: ignore[union-attr]
        self.entity = entity
        self.api_key = API_KEY
        self.faults = Faults()
        self.storage = Storage(self.storage_dir)
        self.artifact_store = ArtifactStore(self.storage_dir)
        self.requests: list[tuple[str, str, str]] = []  # (method, path, GraphQL operation)
        self.unknown_fields: set[tuple[str, str]] = set()
        self.crash_after_s: float | None = None  # runs silent this long read as "crashed"
        self.known_entities: set[str] | None = None  # when set, runs of other entities are refused
        self._httpd: _QuietHTTPServer | None = None
        self._port: int | None = None
        self._port_holder: socket.socket | None = None  # keeps the port ours while paused

    @property
    def base_url(self) -> str:
        assert self._port is not None, "start() the server first"
        return f"http://127.0.0.1:{self._port}"

    @property
    def paused(self) -> bool:
        return self._port_holder is not None

    def start(self) -> WandbServer:
        self._listen(0)
        return self

    def _listen(self, port: int) -> None:
        self._httpd = _QuietHTTPServer(port, type("Handler", (_Handler,), {"server_state": self}))
        self._port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, name="wandb-server", daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._port_holder is not None:
            self._port_holder.close()
            self._port_holder = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def pause(self) -> None:
        """An outage: new connections are refused, open ones reset (requests in flight go
        unanswered); state is kept. ``resume()`` listens on the same port (same ``base_url``)."""
        if self._httpd is None:
            return  # not started, or already paused
        # Bound, not listening (SO_REUSEPORT lets it share the port with the listener): it
        # refuses connections and keeps any other socket from taking the port meanwhile.
        self._port_holder = _bind(self._port or 0)
        httpd, self._httpd = self._httpd, None
        httpd.shutdown()
        httpd.server_close()
        httpd.drop_connections()

    def resume(self) -> None:
        """Ends ``pause()``: listens again on the same port."""
        if self._port_holder is not None:
            self._listen(self._port or 0)
            self._port_holder.close()
            self._port_holder = None

    def __enter__(self) -> WandbServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def use(self, monkeypatch: Any) -> WandbServer:
        """Points the SDK at this server for the current test (env vars, undone by monkeypatch)."""
        monkeypatch.setenv("WANDB_BASE_URL", self.base_url)
        monkeypatch.setenv("WANDB_API_KEY", self.api_key)
        monkeypatch.setenv("WANDB_MODE", "online")
        monkeypatch.setenv("WANDB_ENTITY", self.entity)
        # The SDK would otherwise post its own telemetry to this server on every run.
        monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
        end_wandb_session()
        return self

    def add_file(self, entity: str, project: str, run_id: str, name: str, data: bytes) -> None:
        """Plants a run file under any name at all (``../x``, ``/abs``, 300 characters...)."""
        with self.storage.lock:
            run, _ = self.storage.upsert_run(entity, project, run_id)
            self.storage.write_file(run, name, data)

    def add_run(
        self,
        project: str,
        run_id: str,
        *,
        history: Iterable[Mapping[str, Any]] = (),
        summary: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        exit_code: int | None = 0,
        entity: str | None = None,
    ) -> None:
        """Plants a run without the SDK: for read-side tests that need e.g. 100k history rows.

        ``exit_code=None`` leaves the run "running"; rows get ``_step`` = their index if absent.
        """
        with self.storage.lock:
            run, _ = self.storage.upsert_run(entity or self.entity, project, run_id)
            lines = [json.dumps({**row, "_step": row.get("_step", i)}) for i, row in enumerate(history)]
            run.history.put(0, lines)
            run.config = {k: {"value": v} for k, v in (config or {}).items()}
            run.summary = dict(summary or {})
            run.exitcode = exit_code
            run.state = "running" if exit_code is None else "finished" if exit_code == 0 else "failed"

    def get_run(self, project: str, run_id: str, entity: str | None = None) -> Run | None:
        """What the server recorded for a run (state, exitcode, config, summary, history, files)."""
        return self.storage.run(entity or self.entity, project, run_id)

    def file_downloads(self) -> int:
        """File downloads served or refused so far (``GET /storage/files/...``)."""
        gets = [path for method, path, _ in self.requests if method == "GET"]
        return sum(1 for path in gets if path.startswith("/storage/files/"))

    def note_unknown(self, typename: str, field: str) -> None:
        if (typename, field) not in self.unknown_fields:
            logger.warning("wandb test server: unknown GraphQL field %s.%s (answered null)", typename, field)
            self.unknown_fields.add((typename, field))

    def graphql_operations(self) -> list[str]:
        return [op for method, _, op in self.requests if op]

    def run_state(self, project: str, run_id: str, entity: str | None = None) -> str | None:
        """The state ``wandb.Api().run(...).state`` would read (``crash_after_s`` included)."""
        run = self.get_run(project, run_id, entity)
        return None if run is None else schema.run_state(self, run)


def end_wandb_session() -> None:
    """Ends the SDK's process-wide session (``wandb.teardown()``), if one was started.

    The SDK reads ``WANDB_*`` variables once per session and ignores later changes, so a
    test pointing it at a new server (another port) must start a new session.
    """
    wandb = sys.modules.get("wandb")
    if wandb is None:
        return
    if wandb.run is not None:
        wandb.run.finish(exit_code=1)
    wandb.teardown()


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The stdlib's listen backlog of 5 drops connection attempts when a client opens dozens at
    # once, and each dropped SYN costs that connection a 1 s retransmit; real servers queue more.
    request_queue_size = 128

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), handler)

    def server_bind(self) -> None:
        self.socket.close()
        self.socket = _bind(self.server_address[1])  # SO_REUSEPORT, for pause()
        self.server_address = self.server_name, self.server_port = self.socket.getsockname()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:  # held so drop_connections never touches a closed socket
            self._connections.discard(request)
            super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Resets every open connection (SO_LINGER 0); blocked handler threads see EOF."""
        with self._connections_lock:
            for conn in self._connections:
                try:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # wandb-core resets idle keep-alive connections, pause() resets all: no traceback.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server_state: WandbServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._chunked_body()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body

    def _chunked_body(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(chunks)

    def _serve(self) -> None:
        state = self.server_state
        body = self._body()
        path = self.path.split("?", 1)[0]
        operation, is_mutation = _describe_graphql(body) if path == "/graphql" else ("", False)
        state.requests.append((self.command, path, operation))
        if state.faults.latency_s:
            time.sleep(state.faults.latency_s)
        verdict = state.faults.decide(
            operation or f"{self.command} {path}", is_write=self._is_write(path, is_mutation)
        )
        if verdict is Verdict.DROP:
            self.close_connection = True
            return
        if verdict is Verdict.UNAUTHORIZED:
            return self._reply(401, {"errors": [{"message": "user is not logged in"}]})
        if verdict in (Verdict.ERROR, Verdict.UNAVAILABLE):
            retry_after = state.faults.retry_after_s
            headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
            status = 503 if verdict is Verdict.UNAVAILABLE else state.faults.error_status()
            return self._reply(status, {"error": f"injected fault: {verdict.value}"}, headers)
        if not path.startswith("/storage/") and not path.startswith("/sdk/") and not self._authorized():
            return self._reply(401, {"errors": [{"message": "invalid api key"}]})
        try:
            self._route(path, body)
        except ConnectionError:  # the client went away, or pause() reset the connection
            raise
        except Exception as exc:  # a bug here must reach the test as a 500, not a hang
            logger.exception("wandb test server failed on %s %s", self.command, path)
            self._reply(500, {"errors": [{"message": f"test server error: {exc!r}"}]})

    def _is_write(self, path: str, is_mutation: bool) -> bool:
        """Whether a request belongs to logging a run rather than reading one back.

        Reads are file downloads and GraphQL queries sent by ``wandb.Api()`` (its requests
        carry the "W&B Public Client" User-Agent; a live run's wandb-core sends "wandb-core").
        """
        if self.command == "GET":
            return False
        return path != "/graphql" or is_mutation or not self._from_public_api()

    def _from_public_api(self) -> bool:
        return self.headers.get("User-Agent", "").startswith(PUBLIC_API_AGENT)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode(errors="replace")
            return decoded.split(":", 1)[-1] == self.server_state.api_key
        return header == f"Bearer {self.server_state.api_key}"

    def _route(self, path: str, body: bytes) -> None:
        state = self.server_state
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if path == "/graphql" and self.command == "POST":
            request = json.loads(body or b"{}")
            status, reply = schema.handle(state, request, from_run=not self._from_public_api())
            return self._reply(status, reply)
        if len(parts) == 5 and parts[0] == "files" and parts[4] == "file_stream":
            with state.storage.lock:
                reply = filestream.handle(state.storage, parts[1], parts[2], parts[3], json.loads(body))
            return self._reply(200, reply)
        if parts[:2] == ["storage", "upload"] and self.command == "PUT" and len(parts) == 3:
            return self._upload(parts[2], body)
        if parts[:2] == ["storage", "files"] and self.command == "GET" and len(parts) == 3:
            return self._download(parts[2])
        if parts[:2] == ["storage", "artifact-upload"] and self.command == "PUT" and len(parts) == 3:
            return self._reply(*state.receive_artifact_upload(parts[2], body))
        if parts[:2] == ["storage", "artifact-files"] and self.command == "GET" and len(parts) == 3:
            blob = state.artifact_blob(parts[2])
            return self._send_file(blob, parts[2]) if blob else self._reply(404, {"error": "no such file"})
        if parts[0] in ("artifactsV2", "artifacts") and self.command == "GET" and len(parts) >= 3:
            blob = state.artifact_blob_by_digest(parts)
            return self._send_file(blob, parts[-1]) if blob else self._reply(404, {"error": "no such file"})
        if parts[0] == "sdk":
            return self._reply(200, {})
        logger.warning("wandb test server: no route for %s %s", self.command, path)
        self._reply(404, {"error": f"no route for {self.command} {path}"})

    def _upload(self, token: str, body: bytes) -> None:
        storage = self.server_state.storage
        with storage.lock:
            target = storage.upload_tokens.get(token)
            if target is None:
                return self._reply(403, {"error": "unknown upload token"})
            storage.write_file(target[0], target[1], body)
        self._reply(200, {})

    def _download(self, file_id: str) -> None:
        found = self.server_state.storage.files_by_id.get(file_id)
        if found is None:
            return self._reply(404, {"error": "no such file"})
        self._send_file(found[1].path, found[1].name)

    def _send_file(self, path: Path, name: str) -> None:
        """A file's bytes, spoiled as ``faults.body_faults[name]`` says (artifact files: blob id)."""
        data = path.read_bytes()
        fault = self.server_state.faults.body_fault(name)
        length = len(data)
        if fault == "truncate":
            data = data[: len(data) // 2]
            length = len(data)
        elif fault == "cut":
            data = data[: len(data) // 2]
        elif fault == "corrupt" and data:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(data)
        if fault == "cut":
            self.wfile.flush()
            self.close_connection = True

    def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _describe_graphql(body: bytes) -> tuple[str, bool]:
    """(operation name, is a mutation) of a GraphQL request body; ("", False) if unreadable."""
    try:
        request = json.loads(body or b"{}")
        doc = graphql.parse(request.get("query") or "")
        op = graphql.pick_operation(doc, request.get("operationName"))
    except (ValueError, AttributeError, graphql.GraphQLError):
        return "", False
    return op.name or "", op.kind == "mutation"
