// Scratch files for unit tests that work on real files: a fresh directory, whole-file read
// and write, and a working directory and environment variables restored on scope exit.
#pragma once

#include <cstdlib>
#include <initializer_list>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hwunit {

namespace fs = std::filesystem;

inline fs::path make_temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "hw-unit-XXXXXX").string();
    return fs::path(::mkdtemp(pattern.data()));
}

inline std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Creates the parent directories first.
inline void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

class ScopedCwd {
public:
    explicit ScopedCwd(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
    ~ScopedCwd() { fs::current_path(old_); }
    ScopedCwd(const ScopedCwd&) = delete;
    ScopedCwd& operator=(const ScopedCwd&) = delete;

private:
    fs::path old_;
};

// Sets (or, with nullopt, unsets) environment variables and puts them back on scope
// exit, so tests do not leak into each other.
class EnvGuard {
public:
    EnvGuard(std::initializer_list<std::pair<const char*, std::optional<std::string>>> values) {
        for (const auto& [name, value] : values) set(name, value);
    }
    EnvGuard(const char* name, const std::optional<std::string>& value) { set(name, value); }
    ~EnvGuard() {
        for (const auto& [name, value] : saved_) value ? ::setenv(name, value->c_str(), 1) : ::unsetenv(name);
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

private:
    void set(const char* name, const std::optional<std::string>& value) {
        const char* old = std::getenv(name);
        saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
        value ? ::setenv(name, value->c_str(), 1) : ::unsetenv(name);
    }
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};
using ScopedEnv = EnvGuard;

}  // namespace hwunit
