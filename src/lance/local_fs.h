// Minimal local file access for the Lance reader: whole-file and ranged reads, directory
// listings. Errors are Status::IOError (Status::NotFound for a missing path) naming the path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::lance {

Result<int64_t> LocalFileSize(const std::string& path);
// Reads [offset, offset+length); IOError if the file is shorter.
Result<BufferPtr> LocalReadRange(const std::string& path, int64_t offset, int64_t length);
// Reads a whole file of at most `max_size` bytes.
Result<BufferPtr> LocalReadFile(const std::string& path, int64_t max_size);
// Names of the entries of a directory (unsorted), each flagged as a directory or not.
struct DirEntry {
  std::string name;
  bool is_directory = false;
};
Result<std::vector<DirEntry>> LocalListDir(const std::string& path);

// An open read-only file for many ranged reads (pread; safe to use from several threads).
class LocalFile {
 public:
  static Result<std::shared_ptr<LocalFile>> Open(const std::string& path);
  ~LocalFile();
  LocalFile(const LocalFile&) = delete;
  LocalFile& operator=(const LocalFile&) = delete;

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }
  // Exactly [offset, offset+length) in a fresh 64-byte aligned buffer; IOError naming the file
  // if the range runs past its end.
  Result<BufferPtr> ReadRange(int64_t offset, int64_t length) const;

 private:
  LocalFile(std::string path, int fd, int64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  int64_t size_;
};

}  // namespace lanceflow::lance
