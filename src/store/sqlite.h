// The SQLite plumbing of the store, internal to src/store/: the one exception type, the
// statement wrapper, and the one place that turns a failure into an error text.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include <sqlite3.h>

namespace hookwarden::store {

// Thrown inside the store only; every public method turns it into an error text (guarded).
struct SqlError : std::runtime_error {
    SqlError(int code, const std::string& message) : std::runtime_error(message), rc(code) {}
    int rc;
};

bool is_corruption(int rc);
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what);
void exec(sqlite3* db, const char* sql);

// Owns a prepared statement and resets it on scope exit, so a cached statement never
// holds a read transaction open after use.
class Stmt {
public:
    Stmt(sqlite3* db, sqlite3_stmt* stmt, bool owned) : db_(db), stmt_(stmt), owned_(owned) {}
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
    Stmt& bind(int i, int v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
    Stmt& bind(int i, bool v) { return check(sqlite3_bind_int(stmt_, i, v ? 1 : 0)); }
    Stmt& bind(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
    Stmt& bind(int i, const std::string& v) {
        return check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    Stmt& bind(int i, std::optional<int> v) { return v ? bind(i, *v) : check(sqlite3_bind_null(stmt_, i)); }

    // true: a row is ready; false: done.
    bool step();

    std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const;

private:
    Stmt& check(int rc) {
        if (rc != SQLITE_OK) fail(db_, rc, "bind");
        return *this;
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    bool owned_;
};

// The store's error text for a failed operation `op` on the database at `path`.
std::string describe(const std::string& op, const std::string& path, const std::string& message);

// Runs `body`; "" when it returned, else the error text of what it threw. The store
// never lets an exception out: a store that fails must not stop a hook.
template <typename Body>
std::string guarded(const std::string& op, const std::string& path, Body&& body) {
    try {
        body();
        return "";
    } catch (const std::exception& e) {
        return describe(op, path, e.what());
    }
}

// guarded for a read: its value, or T{} with `*error` set (when given).
template <typename T, typename Body>
T guarded_read(const std::string& op, const std::string& path, std::string* error, Body&& body) {
    T out{};
    std::string e = guarded(op, path, [&] { out = body(); });
    if (!e.empty()) out = T{};
    if (error) *error = std::move(e);
    return out;
}

}  // namespace hookwarden::store
