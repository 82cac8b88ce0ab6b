#include "lanceflow/core/buffer.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace lanceflow {
namespace {

int64_t RoundUp64(int64_t n) { return (n + kBufferAlignment - 1) & ~(kBufferAlignment - 1); }

uint8_t* AlignedAlloc(int64_t capacity) {
  void* p = std::aligned_alloc(kBufferAlignment, static_cast<size_t>(std::max<int64_t>(capacity, 64)));
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<uint8_t*>(p);
}

struct AlignedDeleter {
  void operator()(const void* p) const { std::free(const_cast<void*>(p)); }
};

}  // namespace

std::shared_ptr<Buffer> Buffer::CopyOf(const void* data, int64_t size) {
  BufferBuilder b;
  b.Append(data, size);
  return b.Finish();
}

std::shared_ptr<Buffer> Buffer::FromString(std::string bytes) {
  auto owner = std::make_shared<const std::string>(std::move(bytes));
  const auto* p = reinterpret_cast<const uint8_t*>(owner->data());
  auto size = static_cast<int64_t>(owner->size());
  return std::make_shared<Buffer>(p, size, std::move(owner));
}

BufferBuilder::BufferBuilder(BufferBuilder&& other) noexcept
    : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
}

BufferBuilder& BufferBuilder::operator=(BufferBuilder&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

BufferBuilder::~BufferBuilder() { std::free(data_); }

void BufferBuilder::Grow(int64_t min_capacity) {
  int64_t cap = RoundUp64(std::max<int64_t>(min_capacity, capacity_ * 2));
  uint8_t* p = AlignedAlloc(cap);
  if (size_ > 0) std::memcpy(p, data_, static_cast<size_t>(size_));
  std::memset(p + size_, 0, static_cast<size_t>(cap - size_));
  std::free(data_);
  data_ = p;
  capacity_ = cap;
}

void BufferBuilder::Reserve(int64_t capacity) {
  if (capacity > capacity_) Grow(capacity);
}

void BufferBuilder::Resize(int64_t size) {
  if (size > capacity_) Grow(size);
  if (size > size_) std::memset(data_ + size_, 0, static_cast<size_t>(size - size_));
  size_ = size;
}

void BufferBuilder::AppendZeros(int64_t n) { Resize(size_ + n); }

std::shared_ptr<Buffer> BufferBuilder::Finish() {
  if (data_ == nullptr) Grow(64);
  // Zero the padding so buffers written out as Arrow IPC never leak old bytes.
  std::memset(data_ + size_, 0, static_cast<size_t>(capacity_ - size_));
  std::shared_ptr<const void> owner(data_, AlignedDeleter());
  auto buf = std::make_shared<Buffer>(data_, size_, std::move(owner));
  data_ = nullptr;
  size_ = capacity_ = 0;
  return buf;
}

}  // namespace lanceflow
