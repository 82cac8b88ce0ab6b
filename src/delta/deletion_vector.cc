#include "lanceflow/delta/deletion_vector.h"

#include <fcntl.h>
#include <roaring/roaring.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "lanceflow/delta/actions.h"

namespace lanceflow::delta {
namespace {

constexpr char kZ85Alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr uint32_t kMagic = 1681511377;
constexpr int64_t kUuidZ85Chars = 20;

using Bitmap = std::unique_ptr<roaring_bitmap_t, void (*)(const roaring_bitmap_t*)>;

Bitmap MakeBitmap(roaring_bitmap_t* b) { return Bitmap(b, roaring_bitmap_free); }

void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutLe64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutBe32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t Le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t Le64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t Be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

const std::array<int8_t, 256>& Z85Decoder() {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t;
    t.fill(-1);
    for (int i = 0; i < 85; ++i) t[static_cast<uint8_t>(kZ85Alphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  return table;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

Status WriteFileSynced(const std::string& path, std::string_view data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(Errno("cannot create", path));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = Errno("cannot write", path);
      close(fd);
      return Status::IOError(msg);
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    std::string msg = Errno("cannot fsync", path);
    close(fd);
    return Status::IOError(msg);
  }
  if (close(fd) != 0) return Status::IOError(Errno("cannot close", path));
  return Status::OK();
}

// Reads `length` bytes at `offset` of a local file; kCorrupt when the file is shorter.
Result<std::string> ReadRange(const std::string& path, int64_t offset, int64_t length,
                              const std::string& where) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(where + ": no DV file '" + path + "'");
    return Status::IOError(Errno("cannot open", path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    std::string msg = Errno("cannot stat", path);
    close(fd);
    return Status::IOError(msg);
  }
  if (offset < 0 || length < 0 || offset > st.st_size || length > st.st_size - offset) {
    close(fd);
    return Status::Corrupt(where + ": bytes [" + std::to_string(offset) + ", " +
                           std::to_string(offset + length) + ") are out of range of the " +
                           std::to_string(st.st_size) + "-byte DV file");
  }
  std::string out(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = pread(fd, out.data() + got, out.size() - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string msg = n < 0 ? Errno("cannot read", path)
                              : where + ": DV file '" + path + "' shrank while being read";
      close(fd);
      return n < 0 ? Status::IOError(msg) : Status::Corrupt(msg);
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  return out;
}

}  // namespace

std::string DeletionVectorDescriptor::UniqueId() const {
  std::string id(1, storage_type);
  id += path_or_inline_dv;
  if (offset) id += "@" + std::to_string(*offset);
  return id;
}

Result<std::string> Z85Encode(std::string_view bytes) {
  if (bytes.size() % 4 != 0) {
    return Status::Invalid("Z85: input of " + std::to_string(bytes.size()) +
                           " bytes is not a multiple of 4");
  }
  std::string out;
  out.reserve(bytes.size() / 4 * 5);
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t v = Be32(bytes.data() + i);
    char chunk[5];
    for (int j = 4; j >= 0; --j) {
      chunk[j] = kZ85Alphabet[v % 85];
      v /= 85;
    }
    out.append(chunk, 5);
  }
  return out;
}

std::string Z85EncodePadded(std::string_view bytes) {
  std::string padded(bytes);
  padded.resize((padded.size() + 3) / 4 * 4, '\0');
  return *Z85Encode(padded);
}

Result<std::string> Z85Decode(std::string_view text) {
  if (text.size() % 5 != 0) {
    return Status::Corrupt("Z85: text of " + std::to_string(text.size()) +
                           " characters is not a multiple of 5");
  }
  const auto& dec = Z85Decoder();
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t v = 0;
    for (size_t j = 0; j < 5; ++j) {
      const int8_t d = dec[static_cast<uint8_t>(text[i + j])];
      if (d < 0) {
        return Status::Corrupt("Z85: invalid character at offset " + std::to_string(i + j));
      }
      v = v * 85 + static_cast<uint64_t>(d);
    }
    if (v > 0xFFFFFFFFull) {
      return Status::Corrupt("Z85: group at offset " + std::to_string(i) + " exceeds 32 bits");
    }
    PutBe32(&out, static_cast<uint32_t>(v));
  }
  return out;
}

std::string UuidToString(const uint8_t b[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xF];
  }
  return out;
}

Result<std::string> UuidFromString(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  if (text.size() != 36) return Status::Corrupt("'" + std::string(text) + "' is not a UUID");
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return Status::Corrupt("'" + std::string(text) + "' is not a UUID");
      ++i;
      continue;
    }
    int hi = hex(text[i]), lo = hex(text[i + 1]);
    if (hi < 0 || lo < 0) return Status::Corrupt("'" + std::string(text) + "' is not a UUID");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<std::string> DeletionVectorRelativePath(const DeletionVectorDescriptor& dv) {
  const std::string& p = dv.path_or_inline_dv;
  if (static_cast<int64_t>(p.size()) < kUuidZ85Chars) {
    return Status::Corrupt("deletion vector '" + p + "': shorter than a Z85 UUID (20 characters)");
  }
  const std::string prefix = p.substr(0, p.size() - kUuidZ85Chars);
  auto raw = Z85Decode(std::string_view(p).substr(p.size() - kUuidZ85Chars));
  if (!raw.ok()) return Status::Corrupt("deletion vector '" + p + "': " + raw.status().message());
  if (prefix.find('/') != std::string::npos || prefix == "." || prefix == "..") {
    return Status::Corrupt("deletion vector '" + p + "': the random prefix is not a plain name");
  }
  const std::string name =
      "deletion_vector_" + UuidToString(reinterpret_cast<const uint8_t*>(raw->data())) + ".bin";
  return prefix.empty() ? name : prefix + "/" + name;
}

Result<std::string> SerializeRoaringBitmapArray(const std::vector<uint64_t>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && rows[i] <= rows[i - 1]) {
      return Status::Invalid("deletion vector rows are not sorted and unique");
    }
  }
  if (!rows.empty() && rows.back() >> 63) {
    return Status::Invalid("deletion vector row " + std::to_string(rows.back()) +
                           " does not fit 63 bits");
  }
  std::string out;
  PutLe32(&out, kMagic);
  // Buckets: runs of rows sharing the high 32 bits.
  std::vector<std::pair<size_t, size_t>> buckets;
  for (size_t i = 0; i < rows.size();) {
    size_t j = i;
    while (j < rows.size() && (rows[j] >> 32) == (rows[i] >> 32)) ++j;
    buckets.emplace_back(i, j);
    i = j;
  }
  PutLe64(&out, buckets.size());
  std::vector<uint32_t> low;
  for (const auto& [b, e] : buckets) {
    PutLe32(&out, static_cast<uint32_t>(rows[b] >> 32));
    low.clear();
    for (size_t i = b; i < e; ++i) low.push_back(static_cast<uint32_t>(rows[i]));
    Bitmap bm = MakeBitmap(roaring_bitmap_of_ptr(low.size(), low.data()));
    if (!bm) return Status::IOError("cannot allocate a roaring bitmap");
    roaring_bitmap_run_optimize(bm.get());
    const size_t n = roaring_bitmap_portable_size_in_bytes(bm.get());
    const size_t at = out.size();
    out.resize(at + n);
    roaring_bitmap_portable_serialize(bm.get(), out.data() + at);
  }
  return out;
}

Result<std::vector<uint64_t>> ParseRoaringBitmapArray(std::string_view bytes,
                                                      const std::string& where) {
  if (bytes.size() < 12) {
    return Status::Corrupt(where + ": " + std::to_string(bytes.size()) +
                           " bytes are too few for a RoaringBitmapArray");
  }
  const uint32_t magic = Le32(bytes.data());
  if (magic != kMagic) {
    return Status::Corrupt(where + ": bad magic number " + std::to_string(magic) + " (expected " +
                           std::to_string(kMagic) + ")");
  }
  const uint64_t num_buckets = Le64(bytes.data() + 4);
  // Every bucket takes at least 4 key bytes and 8 bytes of bitmap header.
  if (num_buckets > (bytes.size() - 12) / 12) {
    return Status::Corrupt(where + ": " + std::to_string(num_buckets) + " buckets do not fit in " +
                           std::to_string(bytes.size()) + " bytes");
  }
  std::vector<uint64_t> out;
  size_t pos = 12;
  int64_t prev_key = -1;
  for (uint64_t b = 0; b < num_buckets; ++b) {
    if (bytes.size() - pos < 4)
      return Status::Corrupt(where + ": truncated at bucket " + std::to_string(b));
    const uint32_t key = Le32(bytes.data() + pos);
    pos += 4;
    if (key >> 31) {
      return Status::Corrupt(where + ": bucket key " + std::to_string(key) +
                             " has its top bit set");
    }
    if (static_cast<int64_t>(key) <= prev_key) {
      return Status::Corrupt(where + ": bucket keys are not ascending at bucket " +
                             std::to_string(b));
    }
    prev_key = key;
    const char* data = bytes.data() + pos;
    const size_t avail = bytes.size() - pos;
    const size_t needed = roaring_bitmap_portable_deserialize_size(data, avail);
    if (needed == 0) {
      return Status::Corrupt(where + ": bucket " + std::to_string(b) +
                             " is not a valid portable Roaring bitmap");
    }
    Bitmap bm = MakeBitmap(roaring_bitmap_portable_deserialize_safe(data, avail));
    if (!bm) {
      return Status::Corrupt(where + ": bucket " + std::to_string(b) +
                             " is not a valid portable Roaring bitmap");
    }
    pos += needed;
    const uint64_t card = roaring_bitmap_get_cardinality(bm.get());
    // A run container can claim 2^16 rows in 4 bytes; refuse sets no data file can need.
    if (card > (uint64_t{1} << 32) || out.size() + card > (uint64_t{1} << 31)) {
      return Status::Corrupt(where + ": more than 2^31 deleted rows");
    }
    std::vector<uint32_t> low(static_cast<size_t>(card));
    if (card != 0) roaring_bitmap_to_uint32_array(bm.get(), low.data());
    for (size_t i = 0; i < low.size(); ++i) {
      if (i > 0 && low[i] <= low[i - 1]) {
        return Status::Corrupt(where + ": bucket " + std::to_string(b) +
                               " has unsorted containers");
      }
      out.push_back((uint64_t{key} << 32) | low[i]);
    }
  }
  if (pos != bytes.size()) {
    return Status::Corrupt(where + ": " + std::to_string(bytes.size() - pos) +
                           " trailing bytes after the bitmap");
  }
  return out;
}

uint32_t Crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t;
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : bytes) crc = table[(crc ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

Result<std::vector<uint64_t>> ReadDeletionVector(const std::string& table_root,
                                                 const DeletionVectorDescriptor& dv) {
  const std::string where = "deletion vector " + dv.UniqueId().substr(0, 80);
  if (dv.size_in_bytes < 0 || dv.cardinality < 0) {
    return Status::Corrupt(where + ": negative sizeInBytes or cardinality");
  }
  std::string data;
  if (dv.storage_type == 'i') {
    auto decoded = Z85Decode(dv.path_or_inline_dv);
    if (!decoded.ok()) return Status::Corrupt(where + ": " + decoded.status().message());
    data = std::move(decoded).value();
    if (static_cast<int64_t>(data.size()) < dv.size_in_bytes ||
        static_cast<int64_t>(data.size()) - dv.size_in_bytes >= 4) {
      return Status::Corrupt(where + ": inline data of " + std::to_string(data.size()) +
                             " bytes does not match sizeInBytes " +
                             std::to_string(dv.size_in_bytes));
    }
    data.resize(static_cast<size_t>(dv.size_in_bytes));
  } else if (dv.storage_type == 'u' || dv.storage_type == 'p') {
    std::string path;
    if (dv.storage_type == 'u') {
      LF_ASSIGN_OR_RETURN(std::string rel, DeletionVectorRelativePath(dv));
      path = table_root + "/" + rel;
    } else {
      std::string_view p = dv.path_or_inline_dv;
      if (p.starts_with("file://"))
        p.remove_prefix(7);
      else if (p.starts_with("file:"))
        p.remove_prefix(5);
      if (!p.starts_with("/")) {
        return Status::NotImplemented(where + ": only local absolute DV paths are supported");
      }
      LF_ASSIGN_OR_RETURN(path, DecodePath(p));
    }
    const int64_t offset = dv.offset.value_or(0);
    LF_ASSIGN_OR_RETURN(std::string head, ReadRange(path, offset, 4, where));
    const uint32_t size = Be32(head.data());
    if (static_cast<int64_t>(size) != dv.size_in_bytes) {
      return Status::Corrupt(where + ": the DV file gives size " + std::to_string(size) +
                             ", the descriptor sizeInBytes " + std::to_string(dv.size_in_bytes));
    }
    LF_ASSIGN_OR_RETURN(std::string body, ReadRange(path, offset + 4, int64_t{size} + 4, where));
    const uint32_t stored = Be32(body.data() + size);
    body.resize(size);
    const uint32_t actual = Crc32(body);
    if (stored != actual) {
      return Status::Corrupt(where + ": checksum mismatch (stored " + std::to_string(stored) +
                             ", computed " + std::to_string(actual) + ")");
    }
    data = std::move(body);
  } else {
    return Status::Corrupt(where + ": unknown storageType '" + std::string(1, dv.storage_type) +
                           "'");
  }
  LF_ASSIGN_OR_RETURN(auto rows, ParseRoaringBitmapArray(data, where));
  if (static_cast<int64_t>(rows.size()) != dv.cardinality) {
    return Status::Corrupt(where + ": holds " + std::to_string(rows.size()) +
                           " rows, the descriptor's cardinality is " +
                           std::to_string(dv.cardinality));
  }
  return rows;
}

DeletionVectorFileWriter::DeletionVectorFileWriter() {
  const std::string uuid = NewUuid();
  uuid_bytes_ = *UuidFromString(uuid);
  z85_ = *Z85Encode(uuid_bytes_);
  content_.push_back('\x01');
}

Result<DeletionVectorDescriptor> DeletionVectorFileWriter::Add(const std::vector<uint64_t>& rows) {
  if (rows.empty()) return Status::Invalid("an empty deletion vector is not written");
  LF_ASSIGN_OR_RETURN(std::string data, SerializeRoaringBitmapArray(rows));
  if (content_.size() + data.size() + 8 > static_cast<size_t>(INT32_MAX)) {
    return Status::OutOfRange("deletion vector file would exceed 2 GiB");
  }
  DeletionVectorDescriptor d;
  d.storage_type = 'u';
  d.path_or_inline_dv = z85_;
  d.offset = static_cast<int32_t>(content_.size());
  d.size_in_bytes = static_cast<int32_t>(data.size());
  d.cardinality = static_cast<int64_t>(rows.size());
  PutBe32(&content_, static_cast<uint32_t>(data.size()));
  content_ += data;
  PutBe32(&content_, Crc32(data));
  ++count_;
  return d;
}

Status DeletionVectorFileWriter::Finish(const std::string& table_root) {
  if (count_ == 0) return Status::OK();
  const std::string path = table_root + "/deletion_vector_" +
                           UuidToString(reinterpret_cast<const uint8_t*>(uuid_bytes_.data())) +
                           ".bin";
  return WriteFileSynced(path, content_);
}

std::vector<uint64_t> UnionRows(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace lanceflow::delta
