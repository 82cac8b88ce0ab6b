// Minimal local file access for the Lance reader: whole-file and ranged reads, directory
// listings. Errors are Status::IOError (Status::NotFound for a missing path) naming the path.
#pragma once

#include <cstdint>
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

}  // namespace lanceflow::lance
