#include "serve/http_files.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "util/fd.h"
#include "util/fs.h"

namespace hookwarden::serve {

namespace {

constexpr std::size_t kTokenBytes = 32;

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    std::size_t got = 0;
    while (got < bytes) {
        ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return {};
        got += static_cast<std::size_t>(n);
    }
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : raw) {
        hex += digits[c >> 4];
        hex += digits[c & 15];
    }
    return hex;
}

bool is_token(const std::string& text) {
    if (text.size() != 2 * kTokenBytes) return false;
    for (char c : text)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// The token file as it is: ours, 0600, one token (a trailing newline allowed).
std::optional<std::string> read_token(const std::string& path, std::string& error) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        error = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
        error = path + ": expected a regular file of uid " + std::to_string(::geteuid()) +
                " that only its owner can read (mode 0600)";
        return std::nullopt;
    }
    auto text = fs::read_all(fd.get());
    std::string token = text ? *text : "";
    if (!token.empty() && token.back() == '\n') token.pop_back();
    if (!is_token(token)) {
        error = path + ": expected " + std::to_string(2 * kTokenBytes) + " hex digits";
        return std::nullopt;
    }
    return token;
}

std::optional<std::string> create_token(const std::string& path, std::string& error) {
    const std::string token = random_hex(kTokenBytes);
    if (token.empty()) {
        error = std::string("getrandom: ") + std::strerror(errno);
        return std::nullopt;
    }
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return errno == EEXIST ? read_token(path, error) : (error = path + ": " + std::strerror(errno), std::nullopt);
    if (fs::write_all(fd.get(), token + "\n") != 0 || fd.close() != 0) {
        error = path + ": " + std::strerror(errno);
        ::unlink(path.c_str());
        return std::nullopt;
    }
    return token;
}

using json = nlohmann::json;

std::optional<HttpHook> hook_from(const json& value, const std::string& where, std::string& error) {
    HttpHook hook;
    if (!value.is_object() || !value.contains("argv") || !value["argv"].is_array() || value["argv"].empty()) {
        error = where + ".argv: expected a non-empty array of strings";
        return std::nullopt;
    }
    for (const auto& word : value["argv"]) {
        if (!word.is_string()) {
            error = where + ".argv: expected a non-empty array of strings";
            return std::nullopt;
        }
        hook.argv.push_back(word.get<std::string>());
    }
    const json timeout = value.value("timeout_ms", json(600000));
    if (!timeout.is_number_integer() || timeout.get<std::int64_t>() < 1000 || timeout.get<std::int64_t>() > 86400000) {
        error = where + ".timeout_ms: expected an integer from 1000 to 86400000";
        return std::nullopt;
    }
    hook.timeout_ms = timeout.get<std::int64_t>();
    const json dir = value.value("project_dir", json(""));
    if (!dir.is_string()) {
        error = where + ".project_dir: expected a string";
        return std::nullopt;
    }
    hook.project_dir = dir.get<std::string>();
    return hook;
}

}  // namespace

std::string http_token_path(const std::string& state_dir) { return state_dir + "/http-token"; }
std::string http_hooks_path(const std::string& state_dir) { return state_dir + "/http-hooks.json"; }

std::optional<std::string> ensure_http_token(const std::string& state_dir, std::string& error) {
    if (std::string why = store::refuse_state_dir(state_dir); !why.empty()) {
        error = why;
        return std::nullopt;
    }
    ::mkdir(state_dir.c_str(), 0700);
    const std::string path = http_token_path(state_dir);
    if (::access(path.c_str(), F_OK) == 0) return read_token(path, error);
    return create_token(path, error);
}

bool valid_http_hook_name(const std::string& name) {
    if (name.empty() || name.size() > 128 || name == "." || name == "..") return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

std::optional<HttpHooks> load_http_hooks(const std::string& path, std::string& error) {
    auto text = fs::read_file(path);
    if (!text) {
        if (errno == ENOENT) return HttpHooks{};
        error = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("hooks") || !doc["hooks"].is_object()) {
        error = path + ": $.hooks: expected a JSON object of hooks by name";
        return std::nullopt;
    }
    HttpHooks hooks;
    for (const auto& [name, value] : doc["hooks"].items()) {
        if (!valid_http_hook_name(name)) {
            error = path + ": $.hooks." + name + ": expected a name of [A-Za-z0-9._-]";
            return std::nullopt;
        }
        auto hook = hook_from(value, path + ": $.hooks." + name, error);
        if (!hook) return std::nullopt;
        hooks[name] = std::move(*hook);
    }
    return hooks;
}

std::string http_hooks_text(const HttpHooks& hooks) {
    json doc = {{"hooks", json::object()}};
    for (const auto& [name, hook] : hooks) {
        json entry = {{"argv", hook.argv}, {"timeout_ms", hook.timeout_ms}};
        if (!hook.project_dir.empty()) entry["project_dir"] = hook.project_dir;
        doc["hooks"][name] = entry;
    }
    return doc.dump(2) + "\n";
}

std::string write_http_hooks(const std::string& path, const HttpHooks& hooks) {
    return fs::write_file_atomic(path, http_hooks_text(hooks), 0600);
}

}  // namespace hookwarden::serve
