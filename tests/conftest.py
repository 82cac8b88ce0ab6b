"""Shared pytest fixtures: the example database and the LanceDB Cloud test server.

  example_db            (session) path of a local LanceDB database built by
                        tests/fixtures/make_tables.py: all_types, exotic_types, versioned,
                        documents (EXAMPLE_DOCUMENTS_ROWS rows), empty. Treat it as read-only.
  cloud_server          (per test) the session's server over example_db, reset (no faults, empty
                        log, default options) before and after each test. A CloudServerProcess:
                        .url .source .db_dir .api_key .port .env() .connect() .set_faults()
                        .faults() .configure() .config() .reset() .log()
  cloud_server_factory  (per test) start(db_dir=None, api_key=..., extra_args=()) -> a new
                        server, stopped at teardown; db_dir None means a fresh empty database.
                        Use it for tests that write or need other startup options.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, List, Optional, Sequence

import pytest

_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from cloud_server.fixture import DEFAULT_API_KEY, CloudServerProcess  # noqa: E402
from fixtures.make_tables import build_database  # noqa: E402

EXAMPLE_DOCUMENTS_ROWS = 1000
EXAMPLE_ALL_TYPES_ROWS = 64


@pytest.fixture(scope="session")
def example_db(tmp_path_factory) -> str:
    db_dir = str(tmp_path_factory.mktemp("example_db"))
    build_database(db_dir, documents_rows=EXAMPLE_DOCUMENTS_ROWS,
                   all_types_rows=EXAMPLE_ALL_TYPES_ROWS)
    return db_dir


@pytest.fixture(scope="session")
def _cloud_server_session(example_db, tmp_path_factory):
    server = CloudServerProcess(example_db, api_key=DEFAULT_API_KEY,
                                work_dir=str(tmp_path_factory.mktemp("cloud_server")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cloud_server(_cloud_server_session) -> CloudServerProcess:
    _cloud_server_session.reset()
    yield _cloud_server_session
    _cloud_server_session.reset()


@pytest.fixture
def cloud_server_factory(tmp_path) -> Callable[..., CloudServerProcess]:
    started: List[CloudServerProcess] = []

    def start(db_dir: Optional[str] = None, api_key: Optional[str] = DEFAULT_API_KEY,
              extra_args: Sequence[str] = ()) -> CloudServerProcess:
        index = len(started)
        if db_dir is None:
            db_dir = str(tmp_path / f"cloud_db_{index}")
            os.makedirs(db_dir)
        work_dir = tmp_path / f"cloud_server_{index}"
        work_dir.mkdir()
        server = CloudServerProcess(db_dir, api_key=api_key, extra_args=extra_args,
                                    work_dir=str(work_dir))
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
