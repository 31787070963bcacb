#include "install/files.h"
#include "util/time_text.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "util/fd.h"
#include "util/fs.h"
#include "util/text_diff.h"

namespace hookwarden::install {

namespace stdfs = std::filesystem;

namespace {

constexpr int kMaxBackupsPerSecond = 1000;

// Where a write really lands: a symlinked settings file is written through to its
// target instead of being replaced by a plain file.
std::string write_target(const std::string& path) {
    std::error_code ec;
    if (stdfs::is_symlink(path, ec)) {
        auto target = stdfs::canonical(path, ec);
        if (!ec) return target.string();
    }
    return path;
}

std::string utc_stamp() { return time_text(fs::now_unix_ms(), "%Y%m%dT%H%M%SZ"); }

// "" or the error. The backup is synced: it is what the user falls back on.
std::string fill_backup(UniqueFd fd, const std::string& path, const std::string& content) {
    int e = fs::write_all(fd.get(), content);
    if (e == 0 && ::fsync(fd.get()) != 0) e = errno;
    if (int closed = fd.close(); e == 0) e = closed;
    if (e == 0) return "";
    ::unlink(path.c_str());
    return "cannot write backup '" + path + "': " + std::strerror(e);
}

}  // namespace

std::string project_dir_of(const Options& o) {
    if (!o.project_dir.empty()) return o.project_dir;
    std::error_code ec;
    auto cwd = stdfs::current_path(ec);
    return ec ? "." : cwd.string();
}

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto abs = stdfs::absolute(path, ec);
    return (ec ? stdfs::path(path) : abs).lexically_normal().string();
}

std::string write_backup(const std::string& path, const std::string& content, std::string& error) {
    std::string base = path + ".hookwarden-backup-" + utc_stamp();
    struct stat st {};
    mode_t mode = ::stat(write_target(path).c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
    for (int n = 1; n < kMaxBackupsPerSecond; ++n) {
        std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
        UniqueFd fd(::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!fd && errno == EEXIST) continue;
        if (!fd) {
            error = "cannot create backup '" + candidate + "': " + std::strerror(errno);
            return "";
        }
        error = fill_backup(std::move(fd), candidate, content);
        return error.empty() ? candidate : "";
    }
    error = "too many backups of '" + path + "' this second";
    return "";
}

std::string apply_write(const std::string& path, const std::string& content, std::ostream& out, const char* what) {
    std::string target = write_target(path);
    std::error_code ec;
    auto dir = stdfs::path(target).parent_path();
    if (!dir.empty() && !stdfs::exists(dir, ec)) {
        stdfs::create_directories(dir, ec);
        if (ec) return path + ": cannot create directory '" + dir.string() + "': " + ec.message();
    }
    // write_file_atomic gives the new file the replaced one's mode (settings may be 0600).
    if (std::string e = fs::write_file_atomic(target, content); !e.empty()) return path + ": " + e;
    out << "wrote " << what << " " << path << "\n";
    return "";
}

std::string write_with_backup(const std::string& path, const std::string& before, const std::string& after,
                              const char* what, std::ostream& out) {
    std::string error;
    std::string backup = write_backup(path, before, error);
    if (backup.empty()) return error;
    out << "backup " << backup << "\n";
    return apply_write(path, after, out, what);
}

bool load_json_file(const std::string& path, const char* what, Loaded& out, std::ostream& err) {
    auto text = fs::read_file(path);
    if (!text) {
        if (errno == ENOENT) return true;
        err << path << ": cannot read " << what << ": " << std::strerror(errno) << "\n";
        return false;
    }
    out.exists = true;
    out.text = *text;
    auto value = parse_or_report(*text, path, err);
    if (!value) return false;
    if (!value->is_object()) {
        err << path << ":1:1: $: expected " << what << " object, got " << type_name(*value) << "\n";
        return false;
    }
    out.json = std::make_shared<ojson>(std::move(*value));
    return true;
}

void print_diff(std::ostream& out, const std::string& path, const std::string& before, const std::string& after,
                bool created) {
    out << text::unified_diff(before, after, created ? "/dev/null" : "a/" + path, "b/" + path);
}

}  // namespace hookwarden::install
