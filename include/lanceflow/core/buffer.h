// Byte buffers with explicit ownership. A Buffer is an immutable view of bytes kept alive by an
// owner (its own 64-byte aligned allocation, a parent buffer, an mmap, an HTTP body ...). Slices
// share the owner, so handing a buffer to another thread or to pyarrow never copies.
// Thread safety: a Buffer is immutable after construction and may be shared freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lanceflow/core/result.h"

namespace lanceflow {

inline constexpr int64_t kBufferAlignment = 64;

class Buffer {
 public:
  Buffer() = default;
  // A view of [data, data+size) kept alive by `owner` (may be null for static memory).
  Buffer(const uint8_t* data, int64_t size, std::shared_ptr<const void> owner)
      : data_(data), size_(size), owner_(std::move(owner)) {}

  const uint8_t* data() const { return data_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data_, static_cast<size_t>(size_)}; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_), static_cast<size_t>(size_)};
  }
  template <typename T>
  const T* data_as() const {
    return reinterpret_cast<const T*>(data_);
  }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // A sub-range sharing this buffer's owner. The caller guarantees offset+length <= size().
  std::shared_ptr<Buffer> Slice(int64_t offset, int64_t length) const {
    return std::make_shared<Buffer>(data_ + offset, length, owner_);
  }

  // Copies bytes into a new aligned allocation.
  static std::shared_ptr<Buffer> CopyOf(const void* data, int64_t size);
  static std::shared_ptr<Buffer> CopyOf(std::string_view bytes) {
    return CopyOf(bytes.data(), static_cast<int64_t>(bytes.size()));
  }
  // Takes ownership of a string's bytes without copying them.
  static std::shared_ptr<Buffer> FromString(std::string bytes);

 private:
  const uint8_t* data_ = nullptr;
  int64_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

using BufferPtr = std::shared_ptr<Buffer>;

// A growable, 64-byte aligned, zero-padded byte buffer that becomes an immutable Buffer with
// Finish(). Capacity is rounded up to a multiple of 64 and the padding is zeroed, as the Arrow
// format expects.
class BufferBuilder {
 public:
  BufferBuilder() = default;
  BufferBuilder(const BufferBuilder&) = delete;
  BufferBuilder& operator=(const BufferBuilder&) = delete;
  BufferBuilder(BufferBuilder&& other) noexcept;
  BufferBuilder& operator=(BufferBuilder&& other) noexcept;
  ~BufferBuilder();

  void Reserve(int64_t capacity);        // at least `capacity` bytes in total
  void Resize(int64_t size);             // new bytes are zero
  void Append(const void* data, int64_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    if (n > 0) std::memcpy(data_ + size_, data, static_cast<size_t>(n));
    size_ += n;
  }
  template <typename T>
  void AppendValue(T v) {
    Append(&v, sizeof(T));
  }
  void AppendZeros(int64_t n);
  uint8_t* mutable_data() { return data_; }
  template <typename T>
  T* mutable_data_as() {
    return reinterpret_cast<T*>(data_);
  }
  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }
  void Clear() { size_ = 0; }

  // Hands the bytes over to an immutable Buffer; the builder is empty afterwards.
  std::shared_ptr<Buffer> Finish();

 private:
  void Grow(int64_t min_capacity);
  uint8_t* data_ = nullptr;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace lanceflow
