#include "local_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace lanceflow::lance {
namespace {

Status ErrnoStatus(const std::string& op, const std::string& path, int err) {
  std::string msg = op + " " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<BufferPtr> ReadFd(int fd, const std::string& path, int64_t offset, int64_t length) {
  BufferBuilder builder;
  builder.Resize(length);
  uint8_t* out = builder.mutable_data();
  int64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, static_cast<size_t>(length - done), offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) {
      return Status::IOError("read " + path + ": file ends at byte " +
                             std::to_string(offset + done) + ", expected " +
                             std::to_string(offset + length));
    }
    done += n;
  }
  return builder.Finish();
}

}  // namespace

Result<int64_t> LocalFileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + " is not a regular file");
  return static_cast<int64_t>(st.st_size);
}

Result<BufferPtr> LocalReadRange(const std::string& path, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) {
    return Status::Invalid("read " + path + ": negative offset or length");
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  return ReadFd(fd.get(), path, offset, length);
}

Result<BufferPtr> LocalReadFile(const std::string& path, int64_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + " is not a regular file");
  if (st.st_size > max_size) {
    return Status::IOError(path + ": " + std::to_string(st.st_size) +
                           " bytes exceed the limit of " + std::to_string(max_size));
  }
  return ReadFd(fd.get(), path, 0, static_cast<int64_t>(st.st_size));
}

Result<std::vector<DirEntry>> LocalListDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::directory_iterator it(path, ec);
  if (ec) {
    std::string msg = "list " + path + ": " + ec.message();
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return Status::NotFound(std::move(msg));
    }
    return Status::IOError(std::move(msg));
  }
  std::vector<DirEntry> out;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::error_code type_ec;
    bool is_dir = it->is_directory(type_ec);
    out.push_back({it->path().filename().string(), is_dir && !type_ec});
  }
  if (ec) return Status::IOError("list " + path + ": " + ec.message());
  return out;
}

Result<std::shared_ptr<LocalFile>> LocalFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("stat", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError(path + " is not a regular file");
  }
  return std::shared_ptr<LocalFile>(new LocalFile(path, fd, static_cast<int64_t>(st.st_size)));
}

LocalFile::~LocalFile() { ::close(fd_); }

Result<BufferPtr> LocalFile::ReadRange(int64_t offset, int64_t length) const {
  if (offset < 0 || length < 0 || offset > size_ || length > size_ - offset) {
    return Status::IOError("read " + path_ + ": range [" + std::to_string(offset) + ", " +
                           std::to_string(offset) + "+" + std::to_string(length) +
                           ") runs past the end of the file (" + std::to_string(size_) +
                           " bytes)");
  }
  // Uninitialised, 64-byte aligned, padded to a multiple of 64 (zeroed padding).
  const int64_t padded = (length + 63) / 64 * 64 + 64;
  auto* raw = static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>(padded)));
  if (raw == nullptr) return Status::IOError("out of memory reading " + path_);
  std::shared_ptr<uint8_t> owner(raw, [](uint8_t* p) { std::free(p); });
  std::memset(raw + length, 0, static_cast<size_t>(padded - length));
  int64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd_, raw + done, static_cast<size_t>(length - done), offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path_, errno);
    }
    if (n == 0) {
      return Status::IOError("read " + path_ + ": file ends at byte " +
                             std::to_string(offset + done) + ", expected " +
                             std::to_string(offset + length));
    }
    done += n;
  }
  return std::make_shared<Buffer>(raw, length, std::move(owner));
}

}  // namespace lanceflow::lance
