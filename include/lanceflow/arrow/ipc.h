// Arrow IPC: the stream format (schema, dictionary batches, record batches, end-of-stream) and
// the file format ("ARROW1", the same messages, a footer with the block index), with optional
// LZ4_FRAME / ZSTD body compression. Spec: Arrow columnar format, "Serialization and
// Interprocess Communication (IPC)".
//
// Reading treats every byte as untrusted: flatbuffer offsets, message and body lengths, buffer
// ranges, node and buffer counts, decompressed sizes and nesting depth are checked, and every
// array is passed through ValidateArray before it is handed out. A bad input gives
// Status::Corrupt with one line naming what is wrong and the byte offset of the message, e.g.
//   arrow ipc: record batch at byte 1024: buffer 3 (offset 96, length 4000) extends past the
//   body (length 512)
// Types outside the lanceflow type system (union, map, interval, views, ...) give
// Status::NotImplemented.
//
// Memory: stream readers hold the bytes of one message at a time; decoded arrays of uncompressed
// bodies are zero-copy slices of the message body (a buffer is copied only when it is not
// aligned for its type). File readers read one block at a time through a read-at function, or
// slice an in-memory file without copying. Dictionaries are kept for the whole stream; a delta
// dictionary batch is appended by copying the dictionary so far, so many deltas on a large
// dictionary cost time quadratic in its size.
//
// Thread safety: readers, decoders and writers are not thread safe; use one per thread. The
// batches they produce are immutable and may be shared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow::ipc {

enum class Compression : uint8_t { kNone, kLz4Frame, kZstd };

// "none", "lz4_frame", "zstd".
const char* CompressionName(Compression c);
// Accepts "none", "lz4", "lz4_frame", "zstd" (case-sensitive).
Result<Compression> ParseCompression(const std::string& name);

struct ReadOptions {
  // Largest flatbuffer metadata of one message (schema, batch header, footer).
  int64_t max_metadata_bytes = int64_t{64} << 20;
  // Largest message body as sent (compressed size when compressed).
  int64_t max_body_bytes = int64_t{2} << 30;
  // Largest total of decompressed buffer sizes in one message.
  int64_t max_decompressed_bytes = int64_t{4} << 30;
  // Deepest nesting of fields (struct<list<struct<...>>>) accepted in a schema.
  int max_nesting_depth = 64;
  // Passed to ValidateArray: also check offsets, dictionary indices and UTF-8 contents.
  bool full_validation = true;
};

struct WriteOptions {
  Compression compression = Compression::kNone;
  // Codec level; 0 uses the codec default (LZ4 fast, ZSTD level 1 as Arrow does).
  int compression_level = 0;
  // Body buffers and message starts are padded to this multiple of bytes: 8, 16, 32 or 64.
  int64_t alignment = 64;
  // When a dictionary grows by appending (the old one is a prefix of the new), send only the new
  // entries as a delta dictionary batch instead of a replacement.
  bool emit_dictionary_deltas = false;
};

// ---------------------------------------------------------------------------------------------
// Byte sources and sinks

// A sequential byte source. Read() fills up to `n` bytes and returns how many it read; 0 means
// the end of the input. Short reads are allowed.
class InputStream {
 public:
  virtual ~InputStream() = default;
  virtual Result<int64_t> Read(uint8_t* out, int64_t n) = 0;
};

// Reads from an in-memory buffer.
class BufferInputStream : public InputStream {
 public:
  explicit BufferInputStream(BufferPtr buffer) : buffer_(std::move(buffer)) {}
  Result<int64_t> Read(uint8_t* out, int64_t n) override;

 private:
  BufferPtr buffer_;
  int64_t pos_ = 0;
};

// A sequential byte sink.
class OutputStream {
 public:
  virtual ~OutputStream() = default;
  virtual Status Write(const uint8_t* data, int64_t size) = 0;
};

// Collects everything written into one 64-byte aligned buffer.
class BufferOutputStream : public OutputStream {
 public:
  Status Write(const uint8_t* data, int64_t size) override;
  int64_t size() const { return builder_.size(); }
  // The bytes written so far; the stream is empty afterwards.
  BufferPtr Finish() { return builder_.Finish(); }

 private:
  BufferBuilder builder_;
};

// Random access for the file reader: returns exactly `length` bytes at `offset` (or an error).
// The returned buffer may be a slice of memory the source keeps alive, or a fresh copy.
using ReadAtFunction = std::function<Result<BufferPtr>(int64_t offset, int64_t length)>;

// ---------------------------------------------------------------------------------------------
// Stream format: push-style decoder

// Receives what a StreamDecoder decodes. An error returned by a callback stops the decoder and
// is returned from Consume().
class StreamListener {
 public:
  virtual ~StreamListener() = default;
  virtual Status OnSchema(const SchemaPtr& schema) { return Status::OK(); }
  virtual Status OnRecordBatch(RecordBatchPtr batch) = 0;
  // The end-of-stream marker was read. Bytes after it are ignored.
  virtual Status OnEndOfStream() { return Status::OK(); }
};

// Decodes an IPC stream from chunks of any size as they arrive (e.g. an HTTP body), calling the
// listener as soon as each message is complete. It holds only the bytes of the message in
// progress. After an error every later call returns the same error.
class StreamDecoder {
 public:
  // `listener` must outlive the decoder.
  explicit StreamDecoder(StreamListener* listener, ReadOptions options = {});
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Copies what it needs from [data, data+size).
  Status Consume(const uint8_t* data, int64_t size);
  // Keeps a reference to `chunk` instead of copying when a whole message body lies inside it.
  Status Consume(const BufferPtr& chunk);
  // Declares the end of the input: OK at a message boundary after the schema (the end-of-stream
  // marker is optional), Corrupt when the input stopped inside a message or before the schema.
  Status Finish();

  // Bytes needed to complete the current step (prefix, metadata or body).
  int64_t next_required_size() const;
  // The schema once decoded, else null.
  SchemaPtr schema() const;
  bool end_of_stream() const;
  // Bytes consumed so far; error messages use positions on this scale.
  int64_t position() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Stream format: pull-style reader

class StreamReader : public RecordBatchReader {
 public:
  // Reads the schema message from `input` before returning.
  static Result<std::unique_ptr<StreamReader>> Open(std::unique_ptr<InputStream> input,
                                                    ReadOptions options = {});
  ~StreamReader() override;

  SchemaPtr schema() const override;
  // The next record batch, or nullptr after the end-of-stream marker or the end of the input.
  Result<RecordBatchPtr> Next() override;

 private:
  class Impl;
  explicit StreamReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// File format

class FileReader : public RecordBatchReader {
 public:
  // Reads an IPC file held in memory; batches are slices of `file` when alignment allows.
  static Result<std::unique_ptr<FileReader>> Open(BufferPtr file, ReadOptions options = {});
  // Reads an IPC file of `file_size` bytes through `read_at`, one block at a time (e.g. a
  // spooled temporary file). Reads the footer and all dictionaries before returning.
  static Result<std::unique_ptr<FileReader>> Open(int64_t file_size, ReadAtFunction read_at,
                                                  ReadOptions options = {});
  ~FileReader() override;

  SchemaPtr schema() const override;
  int num_record_batches() const;
  // Custom metadata of the footer (rarely used; the schema's metadata is in schema()).
  const KeyValueMetadata& footer_metadata() const;
  Result<RecordBatchPtr> ReadRecordBatch(int i);
  // Batches in file order, then nullptr.
  Result<RecordBatchPtr> Next() override;

 private:
  class Impl;
  explicit FileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Writers

// Writes record batches of one schema. Dictionaries are sent before the batches that use them:
// again only when they change (as a delta when WriteOptions::emit_dictionary_deltas allows).
class RecordBatchWriter {
 public:
  virtual ~RecordBatchWriter() = default;
  // Invalid if the batch's schema differs from the writer's (metadata aside). The file format
  // rejects a dictionary that changes other than by appending.
  virtual Status WriteBatch(const RecordBatch& batch) = 0;
  // Stream: writes the end-of-stream marker. File: writes the footer and trailing magic.
  virtual Status Close() = 0;
  // Bytes written to the output so far.
  virtual int64_t bytes_written() const = 0;
};

// Both write the schema right away; `out` must outlive the writer.
Result<std::unique_ptr<RecordBatchWriter>> MakeStreamWriter(OutputStream* out, SchemaPtr schema,
                                                            WriteOptions options = {});
Result<std::unique_ptr<RecordBatchWriter>> MakeFileWriter(OutputStream* out, SchemaPtr schema,
                                                          WriteOptions options = {});

// ---------------------------------------------------------------------------------------------
// Whole-buffer helpers

struct Contents {
  SchemaPtr schema;
  std::vector<RecordBatchPtr> batches;
};

// True when `data` starts with the IPC file magic "ARROW1".
bool IsFileFormat(const Buffer& data);
// Reads an IPC stream or file (told apart by the magic) held in memory.
Result<Contents> ReadAll(BufferPtr data, ReadOptions options = {});
Result<BufferPtr> WriteStream(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                              WriteOptions options = {});
Result<BufferPtr> WriteFile(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                            WriteOptions options = {});

}  // namespace lanceflow::arrow::ipc
