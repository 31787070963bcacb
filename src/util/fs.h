// Small file helpers shared by modules. All fds are opened O_CLOEXEC: nothing of
// hookwarden's own may leak into a hook.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hookwarden::fs {

// Whole file, or nullopt (errno kept) when it cannot be read.
std::optional<std::string> read_file(const std::string& path);
// For files a user names (a policy): a regular file of at most `max_bytes`, or nullopt
// with `why`. Opened non-blocking and checked before reading, so a FIFO with no writer,
// a device such as /dev/zero or a directory is refused at once instead of hanging or
// exhausting memory.
std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_bytes, std::string& why);
// Everything up to end of file from `fd` (retrying EINTR), or nullopt (errno kept).
std::optional<std::string> read_all(int fd);

// Writes through a temporary file in the same directory and renames it into place, so a
// reader sees the old content or the new one, never half of it. The temporary gets the
// replaced file's mode (and owner, when root) before any content goes in: a 0600 file
// is never briefly 0644. A new file gets `new_file_mode` (records: 0600). A symlink at
// `path` is replaced, not followed (callers that want to write through resolve it first).
// A character device or pipe at `path` (/dev/null, a FIFO) is written into, never replaced;
// a link to one, a block device or a socket is refused.
// Returns an error text or "".
std::string write_file_atomic(const std::string& path, const std::string& content, unsigned new_file_mode = 0644);

// Writes a short string to an existing file (cgroupfs control files). Returns errno or 0.
int write_small(const std::string& path, const std::string& content);

// Writes all of `data` to `fd`, retrying short writes and EINTR. Returns errno or 0.
int write_all(int fd, const std::string& data);

// Wall-clock time in milliseconds since the epoch (record times, breaker clocks).
std::int64_t now_unix_ms();

}  // namespace hookwarden::fs
