#include "store/sqlite.h"

namespace hookwarden::store {

bool is_corruption(int rc) {
    int primary = rc & 0xff;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

void fail(sqlite3* db, int rc, const std::string& what) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    detail += " (code " + std::to_string(db ? sqlite3_extended_errcode(db) : rc) + ")";
    throw SqlError(rc, what + ": " + detail);
}

void exec(sqlite3* db, const char* sql) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, sql);
}

Stmt::~Stmt() {
    if (owned_) {
        sqlite3_finalize(stmt_);
    } else {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

bool Stmt::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "query");
}

std::string Stmt::text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::string describe(const std::string& op, const std::string& path, const std::string& message) {
    return "store: " + op + " failed (" + path + "): " + message;
}

}  // namespace hookwarden::store
