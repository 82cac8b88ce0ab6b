// lanceflow._native: the connect layer (connect/lakeflow_connect.h) for Python. The Python class
// in lanceflow/connector.py holds the options and creates a Connector lazily; this module keeps
// the live handles (source, pinned versions) and converts:
//   - Status errors into lanceflow.errors exceptions carrying the one-line, redacted message;
//   - record batches into JSON text (arrow/json_writer.h, the CLI's JSONL values) that Python
//     parses once per batch, or into an ArrowArrayStream that pyarrow imports without copying
//     the column buffers (Arrow C stream interface, PyCapsule "arrow_array_stream").
// Native work runs with the GIL released. One mutex per Connector serialises every use of its
// source, including reads from the readers it returned (connect readers share the source).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "lanceflow/arrow/c_data.h"
#include "lanceflow/arrow/json_writer.h"
#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/connect/open_source.h"
#include "lanceflow/core/log.h"

namespace py = pybind11;

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
extern "C" {
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
}
#endif

namespace lanceflow::python {
namespace {

using connect::Options;

// A failed Status on its way to Python: translated by the exception translator below.
struct StatusError {
  StatusCode code;
  std::string message;
};

// One line, secrets replaced by "***": what the CLI prints after "lanceflow: error: ".
std::string OneLine(const Status& st) { return RedactedLine(st.message()); }

void Check(const Status& st) {
  if (!st.ok()) throw StatusError{st.code(), OneLine(st)};
}

template <typename T>
T Check(Result<T> r) {
  if (!r.ok()) throw StatusError{r.status().code(), OneLine(r.status())};
  return std::move(*r);
}

const char* ErrorClassName(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return "InvalidArgumentError";
    case StatusCode::kNotFound:
      return "NotFoundError";
    case StatusCode::kNotImplemented:
      return "NotSupportedError";
    case StatusCode::kUnauthenticated:
      return "AuthenticationError";
    case StatusCode::kIOError:
    case StatusCode::kRemoteError:
      return "SourceIOError";
    case StatusCode::kCorrupt:
      return "CorruptDataError";
    default:
      return "LanceflowError";
  }
}

// The connector state shared by a Connector and the readers it returned.
struct State {
  std::mutex mu;
  std::unique_ptr<connect::LakeflowConnect> conn;
};

class Reader;

// The JSON text of the rows of `batch` as one JSON array: "[{...},{...}]".
Status BatchToJsonArray(const arrow::RecordBatch& batch, std::string* out) {
  out->clear();
  out->push_back('[');
  LF_RETURN_NOT_OK(arrow::AppendJsonLines(batch, out));
  // Encoded strings escape line breaks, so every '\n' ends a row.
  if (out->size() == 1) {
    out->push_back(']');
    return Status::OK();
  }
  for (size_t i = 1; i < out->size(); ++i) {
    if ((*out)[i] == '\n') (*out)[i] = ',';
  }
  out->back() = ']';
  return Status::OK();
}

// The private data of an exported ArrowArrayStream.
struct StreamData {
  std::shared_ptr<State> state;
  std::unique_ptr<arrow::RecordBatchReader> reader;
  std::string last_error;
};

int StreamErrno(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorrupt:
    case StatusCode::kOutOfRange:
      return EINVAL;
    case StatusCode::kNotImplemented:
      return ENOSYS;
    case StatusCode::kNotFound:
      return ENOENT;
    default:
      return EIO;
  }
}

int StreamGetSchema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* d = static_cast<StreamData*>(stream->private_data);
  Status st = arrow::ExportSchema(*d->reader->schema(), out);
  if (!st.ok()) {
    d->last_error = OneLine(st);
    return StreamErrno(st.code());
  }
  return 0;
}

int StreamGetNext(ArrowArrayStream* stream, ArrowArray* out) {
  auto* d = static_cast<StreamData*>(stream->private_data);
  std::lock_guard<std::mutex> lock(d->state->mu);
  auto batch = d->reader->Next();
  Status st = batch.status();
  if (st.ok()) {
    if (*batch == nullptr) {
      std::memset(out, 0, sizeof(*out));  // release == NULL: the end of the stream
      return 0;
    }
    st = arrow::ExportRecordBatch(**batch, out);
  }
  if (!st.ok()) {
    d->last_error = OneLine(st);
    return StreamErrno(st.code());
  }
  return 0;
}

const char* StreamGetLastError(ArrowArrayStream* stream) {
  auto* d = static_cast<StreamData*>(stream->private_data);
  return d->last_error.empty() ? nullptr : d->last_error.c_str();
}

void StreamRelease(ArrowArrayStream* stream) {
  if (stream->release == nullptr) return;
  auto* d = static_cast<StreamData*>(stream->private_data);
  {
    // The reader may use the source while it is destroyed.
    std::shared_ptr<State> state = d->state;
    std::lock_guard<std::mutex> lock(state->mu);
    delete d;
  }
  stream->release = nullptr;
  stream->private_data = nullptr;
}

// The records of one read_table / read_table_deletes call. Consumed once, either as JSON text
// batch by batch or handed whole to Arrow as a C stream.
class Reader {
 public:
  Reader(std::shared_ptr<State> state, std::unique_ptr<arrow::RecordBatchReader> reader)
      : state_(std::move(state)), reader_(std::move(reader)) {}

  ~Reader() {
    if (reader_ == nullptr) return;
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(state_->mu);
    reader_.reset();
  }

  // The next non-empty batch as JSON array text, or None at the end.
  std::optional<py::str> NextJson() {
    std::string text;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(state_->mu);
      if (reader_ == nullptr) return std::nullopt;
      while (true) {
        auto batch = Check(reader_->Next());
        if (batch == nullptr) {
          reader_.reset();
          break;
        }
        if (batch->num_rows() == 0) continue;
        Check(BatchToJsonArray(*batch, &text));
        break;
      }
    }
    if (text.empty()) return std::nullopt;
    PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "strict");
    if (s == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(s);
  }

  // PyCapsule "arrow_array_stream" holding the remaining batches. The reader is moved into the
  // stream, so this works once.
  py::capsule ArrowCStream(py::object requested_schema) {
    if (!requested_schema.is_none()) {
      throw py::type_error("lanceflow readers do not cast: requested_schema must be None");
    }
    if (reader_ == nullptr) {
      throw StatusError{StatusCode::kInvalidArgument,
                        "the records of this read were already consumed"};
    }
    auto* stream = new ArrowArrayStream;
    stream->get_schema = StreamGetSchema;
    stream->get_next = StreamGetNext;
    stream->get_last_error = StreamGetLastError;
    stream->release = StreamRelease;
    stream->private_data = new StreamData{state_, std::move(reader_), {}};
    return py::capsule(stream, "arrow_array_stream", [](PyObject* capsule) {
      auto* s = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule, "arrow_array_stream"));
      if (s == nullptr) {
        PyErr_Clear();
        return;
      }
      if (s->release != nullptr) {
        py::gil_scoped_release release;
        s->release(s);
      }
      delete s;
    });
  }

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<arrow::RecordBatchReader> reader_;
};

class Connector {
  // Runs f(connection) with the GIL released and the connection's mutex held.
  template <typename F>
  auto Locked(F&& f) {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(state_->mu);
    return f(*state_->conn);
  }

 public:
  explicit Connector(const Options& options) : state_(std::make_shared<State>()) {
    py::gil_scoped_release release;
    auto spec = Check(connect::SourceSpecFromOptions(options));
    auto src = Check(connect::OpenSource(spec));
    state_->conn =
        std::make_unique<connect::LakeflowConnect>(std::shared_ptr<source::Source>(std::move(src)));
  }

  std::vector<std::string> ListTables() {
    return Locked([&](connect::LakeflowConnect& c) { return Check(c.ListTables()); });
  }

  std::string GetTableSchema(const std::string& table, const Options& options) {
    return Locked(
        [&](connect::LakeflowConnect& c) { return Check(c.GetTableSchema(table, options)); });
  }

  std::string ReadTableMetadata(const std::string& table, const Options& options) {
    return Locked([&](connect::LakeflowConnect& c) {
      return Check(c.ReadTableMetadata(table, options)).ToJson();
    });
  }

  std::pair<std::unique_ptr<Reader>, std::string> ReadTable(const std::string& table,
                                                            const std::string& offset,
                                                            const Options& options, bool deletes) {
    auto result = Locked([&](connect::LakeflowConnect& c) {
      return Check(deletes ? c.ReadTableDeletes(table, offset, options)
                           : c.ReadTable(table, offset, options));
    });
    return {std::make_unique<Reader>(state_, std::move(result.records)),
            std::move(result.end_offset)};
  }

  std::vector<std::string> GetPartitions(const std::string& table, const Options& options) {
    return Locked(
        [&](connect::LakeflowConnect& c) { return Check(c.GetPartitions(table, options)); });
  }

  std::string LatestOffset(const std::string& table, const Options& options,
                           const std::string& start) {
    return Locked(
        [&](connect::LakeflowConnect& c) { return Check(c.LatestOffset(table, options, start)); });
  }

  std::vector<std::string> GetStreamPartitions(const std::string& table, const Options& options,
                                               const std::string& start, const std::string& end) {
    return Locked([&](connect::LakeflowConnect& c) {
      return Check(c.GetStreamPartitions(table, options, start, end));
    });
  }

  std::unique_ptr<Reader> ReadPartition(const std::string& table, const std::string& partition,
                                        const Options& options) {
    auto result = Locked([&](connect::LakeflowConnect& c) {
      return Check(c.ReadPartition(table, partition, options));
    });
    return std::make_unique<Reader>(state_, std::move(result.records));
  }

  uint64_t PinnedVersion(const std::string& table) {
    return Locked([&](connect::LakeflowConnect& c) { return Check(c.PinnedVersion(table)); });
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace
}  // namespace lanceflow::python

PYBIND11_MODULE(_native, m) {
  using lanceflow::python::Connector;
  using lanceflow::python::Reader;
  using lanceflow::python::StatusError;
  m.doc() = "lanceflow's native connect layer (use lanceflow.LakeflowConnect)";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      py::object errors = py::module_::import("lanceflow.errors");
      py::object cls = errors.attr(lanceflow::python::ErrorClassName(e.code));
      PyErr_SetString(cls.ptr(), e.message.c_str());
    }
  });

  py::class_<Reader>(m, "Reader")
      .def("next_json", &Reader::NextJson)
      .def("__arrow_c_stream__", &Reader::ArrowCStream, py::arg("requested_schema") = py::none());

  py::class_<Connector>(m, "Connector")
      .def(py::init<const lanceflow::connect::Options&>(), py::arg("options"))
      .def("list_tables", &Connector::ListTables)
      .def("get_table_schema", &Connector::GetTableSchema)
      .def("read_table_metadata", &Connector::ReadTableMetadata)
      .def("read_table", &Connector::ReadTable, py::arg("table"), py::arg("offset"),
           py::arg("options"), py::arg("deletes") = false)
      .def("get_partitions", &Connector::GetPartitions)
      .def("latest_offset", &Connector::LatestOffset)
      .def("get_stream_partitions", &Connector::GetStreamPartitions)
      .def("read_partition", &Connector::ReadPartition)
      .def("pinned_version", &Connector::PinnedVersion);

  m.def("register_secret", [](const std::string& s) { lanceflow::RegisterSecret(s); });
  m.def("redact", [](const std::string& s) { return lanceflow::Redact(s); });
}
