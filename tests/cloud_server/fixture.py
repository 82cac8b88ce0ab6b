"""Starts and drives the LanceDB Cloud test server (server.py) from tests.

    server = CloudServerProcess(db_dir, api_key="test-key")
    server.start()
    server.url              # "http://127.0.0.1:PORT" (no trailing slash: a host override)
    server.set_faults([{"path_regex": "/query/", "times": 1, "status": 503}])
    server.configure(ipc_format="stream", ipc_compression="zstd")
    server.log()            # recorded requests, oldest first
    server.reset()          # no faults, empty log, startup options
    server.stop()

The pytest fixtures built on this live in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Sequence

SERVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
DEFAULT_API_KEY = "test-key"
DEFAULT_DATABASE = "testdb"


class CloudServerError(RuntimeError):
    pass


class CloudServerProcess:
    """One server subprocess bound to 127.0.0.1 on a free port, serving `db_dir`."""

    def __init__(self, db_dir: str, api_key: Optional[str] = DEFAULT_API_KEY,
                 extra_args: Sequence[str] = (), work_dir: Optional[str] = None):
        self.db_dir = os.path.abspath(db_dir)
        self.api_key = api_key
        self.database = DEFAULT_DATABASE
        self.source = f"db://{DEFAULT_DATABASE}"
        self.port: Optional[int] = None
        self._extra_args = list(extra_args)
        self._work_dir = work_dir or tempfile.mkdtemp(prefix="cloud_server_")
        self._process: Optional[subprocess.Popen] = None
        self._stderr_path = os.path.join(self._work_dir, "server.stderr")

    @property
    def url(self) -> str:
        if self.port is None:
            raise CloudServerError("server is not started")
        return f"http://127.0.0.1:{self.port}"

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> "CloudServerProcess":
        port_file = os.path.join(self._work_dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        args = [sys.executable, SERVER_SCRIPT, "--db", self.db_dir, "--port", "0",
                "--port-file", port_file] + self._extra_args
        if self.api_key is not None:
            args += ["--api-key", self.api_key]
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "error"))
        with open(self._stderr_path, "wb") as stderr:
            self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr,
                                             env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise CloudServerError(f"server exited with {self._process.returncode}: "
                                       f"{self.stderr_tail()}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    try:
                        self.admin("GET", "/_admin/health")
                        return self
                    except (OSError, CloudServerError):
                        pass
            time.sleep(0.05)
        self.stop()
        raise CloudServerError(f"server not ready after {timeout}s: {self.stderr_tail()}")

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> "CloudServerProcess":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stderr_tail(self, max_bytes: int = 4000) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        return data[-max_bytes:].decode("utf-8", "replace")

    # Test control ---------------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            raise CloudServerError(f"{method} {path}: HTTP {e.code}: "
                                   f"{e.read().decode('utf-8', 'replace')}") from e

    def set_faults(self, rules: List[Dict[str, Any]], append: bool = False) -> int:
        """Installs fault rules (replacing the current ones unless `append`); see server.py."""
        return self.admin("POST", "/_admin/faults", {"rules": rules, "append": append})["rules"]

    def faults(self) -> List[Dict[str, Any]]:
        """The installed rules with `remaining`, `skip` and `fired` counters."""
        return self.admin("GET", "/_admin/faults")["rules"]

    def configure(self, **options: Any) -> Dict[str, Any]:
        """Changes response options: ipc_format, ipc_compression, gzip, batch_rows,
        batch_delay_ms, query_content_type, list_always_token, extra_headers."""
        return self.admin("POST", "/_admin/config", options)

    def config(self) -> Dict[str, Any]:
        return self.admin("GET", "/_admin/config")

    def reset(self) -> None:
        """Removes fault rules, clears the log and restores the startup options."""
        self.admin("POST", "/_admin/reset", {})

    def log(self, path_regex: Optional[str] = None, method: Optional[str] = None,
            since: int = 0) -> List[Dict[str, Any]]:
        """Recorded /v1 requests, oldest first. Each entry: seq, time, method, path, raw_path,
        query, headers (lower-case names, x-api-key removed), api_key_present, api_key_matched
        (None when absent), body_bytes, json (parsed JSON body), arrow_rows (rows of an Arrow
        body), status (0 for a reset connection), fault (kind or None)."""
        entries = self.admin("GET", f"/_admin/log?since={since}")["requests"]
        if path_regex is not None:
            entries = [e for e in entries if re.search(path_regex, e["path"])]
        if method is not None:
            entries = [e for e in entries if e["method"] == method.upper()]
        return entries

    # Clients ------------------------------------------------------------------------------------

    def env(self) -> Dict[str, str]:
        """Environment for a lanceflow process reading this server as `self.source`."""
        env = {"LANCEDB_HOST_OVERRIDE": self.url}
        if self.api_key is not None:
            env["LANCEDB_API_KEY"] = self.api_key
        return env

    def connect(self, api_key: Optional[str] = None, retries: int = 3,
                backoff_factor: float = 0.01, read_timeout: float = 30.0, **client_config: Any):
        """The official LanceDB client in remote mode, pointed at this server.

        Backoff defaults to 10 ms so that retry tests stay fast. Remote connections cache table
        handles, including a checkout, so use a fresh connection per independent scenario."""
        import datetime

        import lancedb

        config: Dict[str, Any] = {
            "retry_config": {"retries": retries, "backoff_factor": backoff_factor,
                             "backoff_jitter": 0.0},
            "timeout_config": {"connect_timeout": datetime.timedelta(seconds=5),
                               "read_timeout": datetime.timedelta(seconds=read_timeout)},
        }
        config.update(client_config)
        key = self.api_key if api_key is None else api_key
        return lancedb.connect(self.source, api_key=key or "no-key", host_override=self.url,
                               client_config=config)
