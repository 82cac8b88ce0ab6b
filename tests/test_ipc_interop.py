"""Arrow IPC interoperability between lanceflow and pyarrow.

lanceflow_ipc_tool (tools/ipc_roundtrip.cc) reads IPC and writes it back with the chosen format,
compression and alignment. pyarrow writes the inputs and must read the outputs back as the same
schema (metadata included) and the same values, after its own full validation.

The tool is looked up in $LANCEFLOW_IPC_TOOL, else in build*/tools/ of the repository (newest).
"""

from __future__ import annotations

import glob
import os
import subprocess

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from fixtures import make_ipc_golden as golden

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN_DIR = os.path.join(REPO, "tests", "golden", "ipc")


def find_tool() -> str | None:
    env = os.environ.get("LANCEFLOW_IPC_TOOL")
    if env:
        return env
    found = glob.glob(os.path.join(REPO, "build*", "tools", "lanceflow_ipc_tool"))
    return max(found, key=os.path.getmtime) if found else None


TOOL = find_tool()
pytestmark = pytest.mark.skipif(TOOL is None, reason="lanceflow_ipc_tool is not built "
                                                     "(cmake --build <dir> --target lanceflow_ipc_tool)")

CASES = {
    "primitives": golden.primitives_batches,
    "nested": golden.nested_batches,
    "dictionary": golden.dictionary_batches,
    "dictionary_delta": golden.dictionary_delta_batches,
    "dictionary_replacement": golden.dictionary_replacement_batches,
    "nested_dictionary": golden.nested_dictionary_batches,
    "metadata": golden.metadata_batches,
    "schema_only": golden.schema_only_batches,
    "empty_batches": golden.empty_batches,
    "multi_batch": golden.multi_batch_batches,
}

# Dictionaries that change between batches cannot be replaced in the IPC file format.
CHANGING_DICTIONARIES = {"dictionary_delta", "dictionary_replacement"}


def run_tool(src: str, dst: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TOOL, src, dst, *args], capture_output=True, text=True, timeout=120)


def read_ipc(path: str):
    with open(path, "rb") as f:
        head = f.read(6)
    with pa.OSFile(path, "rb") as src:
        if head == b"ARROW1":
            reader = ipc.open_file(src)
            return reader.schema, [reader.get_batch(i) for i in range(reader.num_record_batches)]
        reader = ipc.open_stream(src)
        return reader.schema, list(reader)


def check_same(path: str, schema: pa.Schema, batches: list):
    got_schema, got = read_ipc(path)
    for b in got:
        b.validate(full=True)
    assert got_schema.equals(schema, check_metadata=True), f"{got_schema}\n!=\n{schema}"
    # Row-level comparison through the JSON twin: decoded dictionary values, exact floats
    # (NaN included), all nested levels.
    assert golden.twin(got_schema, got) == golden.twin(schema, batches)


@pytest.mark.parametrize("read_mode", ["whole", "incremental"])
@pytest.mark.parametrize("compression", ["none", "lz4", "zstd"])
@pytest.mark.parametrize("fmt", ["stream", "file"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_pyarrow_reads_what_lanceflow_writes(tmp_path, case, fmt, compression, read_mode):
    schema, batches = CASES[case]()
    src = str(tmp_path / "in.arrows")
    golden.write_ipc(src, "stream", schema, batches, {})
    dst = str(tmp_path / ("out.arrow" if fmt == "file" else "out.arrows"))
    args = ["--format", fmt, "--compression", compression, "--read", read_mode]
    result = run_tool(src, dst, *args)
    if fmt == "file" and case in CHANGING_DICTIONARIES:
        assert result.returncode == 1
        assert "cannot replace dictionaries" in result.stderr
        # Deltas are fine in files when the dictionary only grows.
        if case == "dictionary_delta":
            result = run_tool(src, dst, *args, "--dictionary-deltas")
        else:
            return
    assert result.returncode == 0, result.stderr
    check_same(dst, schema, batches)


@pytest.mark.parametrize("alignment", ["8", "16", "32", "64"])
def test_alignment_and_deltas_are_read_by_pyarrow(tmp_path, alignment):
    schema, batches = golden.dictionary_delta_batches()
    src = str(tmp_path / "in.arrows")
    golden.write_ipc(src, "stream", schema, batches, {})
    for fmt in ("stream", "file"):
        dst = str(tmp_path / f"out.{fmt}")
        result = run_tool(src, dst, "--format", fmt, "--alignment", alignment,
                          "--dictionary-deltas", "--compression", "lz4")
        assert result.returncode == 0, result.stderr
        check_same(dst, schema, batches)
        with open(dst, "rb") as f:
            data = f.read()
        # Message starts are aligned: the first message follows the 8-byte file header.
        start = 8 if fmt == "file" else 0
        meta_len = int.from_bytes(data[start + 4:start + 8], "little")
        assert (8 + meta_len) % int(alignment) == 0


def golden_inputs():
    return sorted(p for p in os.listdir(GOLDEN_DIR) if p.endswith((".arrow", ".arrows")))


@pytest.mark.parametrize("name", golden_inputs())
def test_lanceflow_reads_what_pyarrow_writes(tmp_path, name):
    """Every golden variant (compressed, legacy framing, V4, deltas...) read incrementally by
    lanceflow and rewritten uncompressed must be what pyarrow reads from the original."""
    src = os.path.join(GOLDEN_DIR, name)
    schema, batches = read_ipc(src)
    dst = str(tmp_path / "out.arrows")
    result = run_tool(src, dst, "--read", "incremental")
    assert result.returncode == 0, result.stderr
    check_same(dst, schema, batches)


def test_tool_reports_corrupt_input(tmp_path):
    src = str(tmp_path / "bad.arrows")
    with open(src, "wb") as f:
        f.write(b"\xff\xff\xff\xff\x10\x00\x00\x00" + b"\x00" * 16)
    result = run_tool(src, str(tmp_path / "out.arrows"))
    assert result.returncode == 1
    assert result.stderr.startswith("lanceflow_ipc_tool: error: Corrupt: arrow ipc: message at byte 0")
