// liblanceflow_jni: the connect layer (connect/lakeflow_connect.h) for the JVM data source
// io.lanceflow.spark.LanceflowDataSource (spark/src/main/java). The Java class NativeBridge
// declares the functions below.
//
// Handles are heap pointers returned as jlong: a connector (the opened source and its pinned
// table versions) and readers over one partition, each holding the connector's state alive. Record
// batches cross through the Arrow C Data Interface: a reader exports its schema once and each
// batch into an ArrowArray it owns; Java reads the buffers in place (no copy) until the next call
// to readerNext or readerClose, which release the previous batch.
//
// Errors become io.lanceflow.spark.LanceflowException carrying the one-line, redacted message the
// CLI prints. Every function catches everything: no C++ exception crosses into the JVM.
#include <jni.h>

#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "lanceflow/arrow/c_data.h"
#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/connect/open_source.h"
#include "lanceflow/connect/spark_storage.h"
#include "lanceflow/core/log.h"

namespace lanceflow::jni {
namespace {

using connect::Options;

constexpr const char* kExceptionClass = "io/lanceflow/spark/LanceflowException";

// A failed Status on its way to Java.
struct StatusError {
  std::string message;
};

std::string OneLine(const Status& st) { return RedactedLine(st.message()); }

void Check(const Status& st) {
  if (!st.ok()) throw StatusError{OneLine(st)};
}

template <typename T>
T Check(Result<T> r) {
  if (!r.ok()) throw StatusError{OneLine(r.status())};
  return std::move(*r);
}

void Throw(JNIEnv* env, const std::string& message) {
  if (env->ExceptionCheck()) return;  // a Java exception is already pending
  jclass cls = env->FindClass(kExceptionClass);
  if (cls == nullptr) return;  // FindClass left NoClassDefFoundError pending
  env->ThrowNew(cls, message.c_str());
}

// A Java exception raised by a JNI call (out of memory, say) is left pending for the caller.
struct JavaPending {};

// Runs f, turning every failure into a pending Java exception; returns `fallback` then.
template <typename T, typename F>
T Guard(JNIEnv* env, T fallback, F&& f) {
  try {
    return f();
  } catch (const StatusError& e) {
    Throw(env, e.message);
  } catch (const JavaPending&) {
  } catch (const std::bad_alloc&) {
    Throw(env, "lanceflow: out of memory");
  } catch (const std::exception& e) {
    Throw(env, std::string("lanceflow: internal error: ") + e.what());
  } catch (...) {
    Throw(env, "lanceflow: internal error");
  }
  return fallback;
}

// Java strings are UTF-16; the connector takes UTF-8. Unpaired surrogates become U+FFFD.
std::string ToString(JNIEnv* env, jstring s, const char* what) {
  if (s == nullptr) throw StatusError{std::string(what) + " is null"};
  const jsize n = env->GetStringLength(s);
  const jchar* chars = env->GetStringChars(s, nullptr);
  if (chars == nullptr) throw JavaPending{};
  std::string out;
  out.reserve(static_cast<size_t>(n));
  for (jsize i = 0; i < n; ++i) {
    uint32_t cp = chars[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && chars[i + 1] >= 0xDC00 &&
        chars[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (chars[i + 1] - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  env->ReleaseStringChars(s, chars);
  return out;
}

// Options arrive as a flat array key0, value0, key1, value1, ...
Options ToOptions(JNIEnv* env, jobjectArray kv) {
  Options out;
  if (kv == nullptr) return out;
  const jsize n = env->GetArrayLength(kv);
  if (n % 2 != 0) throw StatusError{"lanceflow: options must be key/value pairs"};
  for (jsize i = 0; i < n; i += 2) {
    auto k = static_cast<jstring>(env->GetObjectArrayElement(kv, i));
    auto v = static_cast<jstring>(env->GetObjectArrayElement(kv, i + 1));
    if (env->ExceptionCheck()) throw JavaPending{};
    out[ToString(env, k, "an option name")] = ToString(env, v, "an option value");
    env->DeleteLocalRef(k);
    env->DeleteLocalRef(v);
  }
  return out;
}

// UTF-8 to a Java string (through UTF-16: NewStringUTF takes modified UTF-8). Invalid sequences
// become U+FFFD.
jstring ToJava(JNIEnv* env, const std::string& s) {
  std::u16string u;
  u.reserve(s.size());
  auto cont = [&](size_t at) {
    return at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80;
  };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) {
      cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3F);
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF && cont(i + 1) && cont(i + 2)) {
      cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3F);
      len = 3;
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    } else if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
           (s[i + 3] & 0x3F);
      len = 4;
      if (cp < 0x10000 || cp > 0x10FFFF) cp = 0xFFFD;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      u.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      u.push_back(static_cast<char16_t>(cp));
    }
  }
  jstring out = env->NewString(reinterpret_cast<const jchar*>(u.data()),
                               static_cast<jsize>(u.size()));
  if (out == nullptr) throw JavaPending{};
  return out;
}

jobjectArray ToJava(JNIEnv* env, const std::vector<std::string>& items) {
  jclass string_class = env->FindClass("java/lang/String");
  if (string_class == nullptr) throw JavaPending{};
  jobjectArray out = env->NewObjectArray(static_cast<jsize>(items.size()), string_class, nullptr);
  if (out == nullptr) throw JavaPending{};
  for (size_t i = 0; i < items.size(); ++i) {
    jstring s = ToJava(env, items[i]);
    env->SetObjectArrayElement(out, static_cast<jsize>(i), s);
    env->DeleteLocalRef(s);
  }
  return out;
}

// The state shared by a connector handle and the readers it opened. One mutex serialises every
// use of the source (connect readers share it).
struct State {
  std::mutex mu;
  std::unique_ptr<connect::LakeflowConnect> conn;
};

struct ConnectorHandle {
  std::shared_ptr<State> state;
};

struct ReaderHandle {
  std::shared_ptr<State> state;
  std::unique_ptr<arrow::RecordBatchReader> reader;
  ArrowSchema schema{};
  ArrowArray batch{};  // the current batch; release == NULL when none

  ~ReaderHandle() {
    if (batch.release != nullptr) batch.release(&batch);
    if (schema.release != nullptr) schema.release(&schema);
  }
};

ConnectorHandle* AsConnector(jlong h) {
  if (h == 0) throw StatusError{"lanceflow: the connector is closed"};
  return reinterpret_cast<ConnectorHandle*>(h);
}

ReaderHandle* AsReader(jlong h) {
  if (h == 0) throw StatusError{"lanceflow: the reader is closed"};
  return reinterpret_cast<ReaderHandle*>(h);
}

template <typename F>
auto Locked(ConnectorHandle* c, F&& f) {
  std::lock_guard<std::mutex> lock(c->state->mu);
  return f(*c->state->conn);
}

// The common shape of the calls on one table: the connector, the table name and the options
// converted, then f(connection, table, options) under the lock, its result returned to Java.
template <typename T, typename F>
T OnTable(JNIEnv* env, T fallback, jlong h, jstring table, jobjectArray kv, F&& f) {
  return Guard<T>(env, fallback, [&] {
    auto* c = AsConnector(h);
    auto name = ToString(env, table, "the table name");
    auto options = ToOptions(env, kv);
    auto result = Locked(c, [&](connect::LakeflowConnect& conn) {
      return Check(f(conn, name, options));
    });
    return ToJava(env, result);
  });
}

}  // namespace
}  // namespace lanceflow::jni

using lanceflow::jni::AsConnector;
using lanceflow::jni::AsReader;
using lanceflow::jni::Check;
using lanceflow::jni::ConnectorHandle;
using lanceflow::jni::Guard;
using lanceflow::jni::OnTable;
using lanceflow::jni::ReaderHandle;
using lanceflow::jni::StatusError;
using lanceflow::jni::ToJava;
using lanceflow::jni::ToOptions;
using lanceflow::jni::ToString;
namespace connect = lanceflow::connect;

extern "C" {

JNIEXPORT jlong JNICALL Java_io_lanceflow_spark_NativeBridge_connect(JNIEnv* env, jclass,
                                                                     jobjectArray kv) {
  return Guard<jlong>(env, 0, [&]() -> jlong {
    auto options = ToOptions(env, kv);
    auto spec = Check(connect::SourceSpecFromOptions(options));
    auto src = Check(connect::OpenSource(spec));
    auto handle = std::make_unique<ConnectorHandle>();
    handle->state = std::make_shared<lanceflow::jni::State>();
    handle->state->conn = std::make_unique<connect::LakeflowConnect>(
        std::shared_ptr<lanceflow::source::Source>(std::move(src)));
    return reinterpret_cast<jlong>(handle.release());
  });
}

JNIEXPORT void JNICALL Java_io_lanceflow_spark_NativeBridge_disconnect(JNIEnv* env, jclass,
                                                                       jlong h) {
  Guard<int>(env, 0, [&] {
    delete reinterpret_cast<ConnectorHandle*>(h);  // readers keep the state alive
    return 0;
  });
}

JNIEXPORT jstring JNICALL Java_io_lanceflow_spark_NativeBridge_tableSchema(JNIEnv* env, jclass,
                                                                           jlong h, jstring table,
                                                                           jobjectArray kv) {
  return OnTable<jstring>(env, nullptr, h, table, kv,
                          [](connect::LakeflowConnect& conn, const std::string& name,
                             const connect::Options& o) { return conn.GetTableSchema(name, o); });
}

JNIEXPORT jobjectArray JNICALL Java_io_lanceflow_spark_NativeBridge_partitions(
    JNIEnv* env, jclass, jlong h, jstring table, jobjectArray kv) {
  return OnTable<jobjectArray>(
      env, nullptr, h, table, kv,
      [](connect::LakeflowConnect& conn, const std::string& name, const connect::Options& o) {
        return conn.GetPartitions(name, o);
      });
}

JNIEXPORT jstring JNICALL Java_io_lanceflow_spark_NativeBridge_latestOffset(
    JNIEnv* env, jclass, jlong h, jstring table, jobjectArray kv, jstring start) {
  return OnTable<jstring>(
      env, nullptr, h, table, kv,
      [&](connect::LakeflowConnect& conn, const std::string& name, const connect::Options& o) {
        return conn.LatestOffset(name, o, ToString(env, start, "the start offset"));
      });
}

JNIEXPORT jobjectArray JNICALL Java_io_lanceflow_spark_NativeBridge_streamPartitions(
    JNIEnv* env, jclass, jlong h, jstring table, jobjectArray kv, jstring start, jstring end) {
  return OnTable<jobjectArray>(
      env, nullptr, h, table, kv,
      [&](connect::LakeflowConnect& conn, const std::string& name, const connect::Options& o) {
        return conn.GetStreamPartitions(name, o, ToString(env, start, "the start offset"),
                                        ToString(env, end, "the end offset"));
      });
}

JNIEXPORT jlong JNICALL Java_io_lanceflow_spark_NativeBridge_openPartition(
    JNIEnv* env, jclass, jlong h, jstring table, jobjectArray kv, jstring descriptor) {
  return Guard<jlong>(env, 0, [&]() -> jlong {
    auto* c = AsConnector(h);
    auto name = ToString(env, table, "the table name");
    auto options = ToOptions(env, kv);
    auto desc = ToString(env, descriptor, "the partition descriptor");
    // Locked before the handle exists: a failure destroys the handle (and the reader, which may
    // use the source) under the lock.
    std::lock_guard<std::mutex> lock(c->state->mu);
    auto handle = std::make_unique<ReaderHandle>();
    handle->state = c->state;
    auto mapping = Check(connect::SparkMappingOf(options));
    auto result = Check(c->state->conn->ReadPartition(name, desc, options));
    handle->reader = Check(connect::SparkStorageReader(std::move(result.records), mapping));
    Check(lanceflow::arrow::ExportSchema(*handle->reader->schema(), &handle->schema));
    return reinterpret_cast<jlong>(handle.release());
  });
}

// The address of the reader's ArrowSchema (a struct "+s" of the columns), valid until close.
JNIEXPORT jlong JNICALL Java_io_lanceflow_spark_NativeBridge_readerSchema(JNIEnv* env, jclass,
                                                                          jlong h) {
  return Guard<jlong>(env, 0, [&]() -> jlong {
    return reinterpret_cast<jlong>(&AsReader(h)->schema);
  });
}

// The address of the next non-empty batch's ArrowArray (a struct array of the columns), valid
// until the next call or close; 0 at the end.
JNIEXPORT jlong JNICALL Java_io_lanceflow_spark_NativeBridge_readerNext(JNIEnv* env, jclass,
                                                                        jlong h) {
  return Guard<jlong>(env, 0, [&]() -> jlong {
    auto* r = AsReader(h);
    if (r->batch.release != nullptr) r->batch.release(&r->batch);
    if (r->reader == nullptr) return 0;
    std::lock_guard<std::mutex> lock(r->state->mu);
    while (true) {
      auto batch = Check(r->reader->Next());
      if (batch == nullptr) {
        r->reader.reset();
        return 0;
      }
      if (batch->num_rows() == 0) continue;
      Check(lanceflow::arrow::ExportRecordBatch(*batch, &r->batch));
      return reinterpret_cast<jlong>(&r->batch);
    }
  });
}

JNIEXPORT void JNICALL Java_io_lanceflow_spark_NativeBridge_readerClose(JNIEnv* env, jclass,
                                                                        jlong h) {
  Guard<int>(env, 0, [&] {
    auto* r = reinterpret_cast<ReaderHandle*>(h);
    if (r == nullptr) return 0;
    std::shared_ptr<lanceflow::jni::State> state = r->state;
    std::lock_guard<std::mutex> lock(state->mu);  // the reader may use the source on close
    delete r;
    return 0;
  });
}

JNIEXPORT void JNICALL Java_io_lanceflow_spark_NativeBridge_registerSecret(JNIEnv* env, jclass,
                                                                           jstring secret) {
  Guard<int>(env, 0, [&] {
    lanceflow::RegisterSecret(ToString(env, secret, "the secret"));
    return 0;
  });
}

}  // extern "C"
