#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "store/handoff.h"
#include "util/fs.h"

namespace hookwarden::store {

namespace {

// Thrown inside this file only; every public method turns it into an error text.
struct SqlError {
    int rc;
    std::string message;
};

bool is_corruption(int rc) {
    int primary = rc & 0xff;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    detail += " (code " + std::to_string(db ? sqlite3_extended_errcode(db) : rc) + ")";
    throw SqlError{rc, what + ": " + detail};
}

void exec(sqlite3* db, const char* sql) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, sql);
}

// probes.id is AUTOINCREMENT because a probe id outlives its row: an expired probe's
// supervisor may still report back, and must not release a slot granted since.
// Version N of the schema is reached by running kMigrations[N-1]. Never edit a shipped
// entry: add a new one, so every older database walks the same path.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  hook TEXT NOT NULL,
  event TEXT NOT NULL,
  matcher_target TEXT NOT NULL,
  session_id TEXT NOT NULL,
  command TEXT NOT NULL,
  outcome TEXT NOT NULL,
  answer TEXT NOT NULL,
  exit_code INTEGER,
  signal INTEGER,
  wall_ms REAL NOT NULL,
  cpu_user_ms REAL NOT NULL,
  cpu_sys_ms REAL NOT NULL,
  peak_memory_bytes INTEGER NOT NULL,
  peak_memory_source TEXT NOT NULL,
  oom_killed INTEGER NOT NULL,
  leftovers_killed INTEGER NOT NULL,
  limit_timeout_ms INTEGER NOT NULL,
  limit_kill_grace_ms INTEGER NOT NULL,
  limit_memory_mb INTEGER NOT NULL,
  limit_pids INTEGER NOT NULL,
  limit_cpu_percent INTEGER NOT NULL,
  limit_output_kb INTEGER NOT NULL,
  stdout_bytes INTEGER NOT NULL,
  stderr_bytes INTEGER NOT NULL,
  stdout_truncated INTEGER NOT NULL,
  stderr_truncated INTEGER NOT NULL,
  breaker_before TEXT NOT NULL,
  breaker_after TEXT NOT NULL,
  backend TEXT NOT NULL,
  overhead_ms REAL NOT NULL,
  errors TEXT NOT NULL
);
CREATE INDEX runs_time ON runs(time_ms);
CREATE INDEX runs_hook ON runs(hook, id);
CREATE TABLE breakers (
  hook TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  since_ms INTEGER NOT NULL,
  open_until_ms INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  open_count INTEGER NOT NULL,
  probe_successes INTEGER NOT NULL,
  trips INTEGER NOT NULL,
  runs INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  recent TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE probes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hook TEXT NOT NULL,
  granted_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX probes_hook ON probes(hook);
)sql",
    // 2: the run's confinement (docs/sandbox.md) as a JSON object; older rows: '{}'.
    R"sql(
ALTER TABLE runs ADD COLUMN confinement TEXT NOT NULL DEFAULT '{}';
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

// A run appends about four pages to the WAL; this bounds the WAL to roughly 16 runs, so
// that the WAL index rebuild every new process does stays around a hundred reads.
constexpr int kCheckpointFrames = 64;

constexpr const char* kRunColumns =
    "time_ms, hook, event, matcher_target, session_id, command, outcome, answer, exit_code, signal, "
    "wall_ms, cpu_user_ms, cpu_sys_ms, peak_memory_bytes, peak_memory_source, oom_killed, "
    "leftovers_killed, limit_timeout_ms, limit_kill_grace_ms, limit_memory_mb, limit_pids, "
    "limit_cpu_percent, limit_output_kb, stdout_bytes, stderr_bytes, stdout_truncated, "
    "stderr_truncated, breaker_before, breaker_after, backend, overhead_ms, errors, confinement";

const char* const kInsertRun =
    "INSERT INTO runs (time_ms, hook, event, matcher_target, session_id, command, outcome, answer, "
    "exit_code, signal, wall_ms, cpu_user_ms, cpu_sys_ms, peak_memory_bytes, peak_memory_source, "
    "oom_killed, leftovers_killed, limit_timeout_ms, limit_kill_grace_ms, limit_memory_mb, limit_pids, "
    "limit_cpu_percent, limit_output_kb, stdout_bytes, stderr_bytes, stdout_truncated, "
    "stderr_truncated, breaker_before, breaker_after, backend, overhead_ms, errors, confinement) VALUES "
    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,"
    "?27,?28,?29,?30,?31,?32,?33)";
const char* const kSelectBreaker =
    "SELECT state, since_ms, open_until_ms, consecutive_failures, open_count, probe_successes, trips, "
    "runs, failures, recent FROM breakers WHERE hook = ?1";
// Two statements rather than one upsert: every caller has just read the row inside the
// same write transaction, so it knows which applies, and an upsert costs SQLite the code
// for both paths (about 90 k instructions to compile, in every process).
const char* const kInsertBreaker =
    "INSERT INTO breakers (hook, state, since_ms, open_until_ms, consecutive_failures, open_count, "
    "probe_successes, trips, runs, failures, recent) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
const char* const kUpdateBreaker =
    "UPDATE breakers SET state=?2, since_ms=?3, open_until_ms=?4, consecutive_failures=?5, "
    "open_count=?6, probe_successes=?7, trips=?8, runs=?9, failures=?10, recent=?11 WHERE hook=?1";
const char* const kDeleteProbes = "DELETE FROM probes WHERE hook = ?1";
const char* const kDeleteExpiredProbes = "DELETE FROM probes WHERE hook = ?1 AND expires_ms <= ?2";
const char* const kDeleteProbe = "DELETE FROM probes WHERE id = ?1 AND hook = ?2";
const char* const kActiveProbes = "SELECT count(*), min(expires_ms) FROM probes WHERE hook = ?1";
const char* const kInsertProbe = "INSERT INTO probes (hook, granted_ms, expires_ms) VALUES (?1, ?2, ?3)";

// The breaker's row, and the pure state machine over it.
struct Breaker {
    std::string state = "closed";
    std::int64_t since_ms = 0;
    std::int64_t open_until_ms = 0;
    std::int64_t consecutive_failures = 0;
    std::int64_t open_count = 0;
    std::int64_t probe_successes = 0;
    std::int64_t trips = 0;
    std::int64_t runs = 0;
    std::int64_t failures = 0;
    // One character per accounted call in the closed state, oldest first: '0' + (failure
    // ? 1 : 0) + (slow ? 2 : 0). Kept in the row so that judging the window needs no scan
    // of the runs table inside the write transaction.
    std::string recent;
};

std::int64_t open_duration_ms(const BreakerConfig& config, std::int64_t open_count) {
    std::int64_t base = std::max<std::int64_t>(config.open_ms, 0);
    std::int64_t cap = std::max(config.max_open_ms, base);
    std::int64_t duration = base;
    for (std::int64_t i = 1; i < open_count && duration < cap; ++i) duration *= 2;
    return std::min(duration, cap);
}

struct WindowRates {
    std::int64_t calls = 0;
    double failure_rate = 0;
    double slow_rate = 0;
};

WindowRates rates_of(const std::string& recent) {
    WindowRates rates;
    std::int64_t failures = 0, slow = 0;
    for (char c : recent) {
        int bits = c - '0';
        failures += bits & 1;
        slow += (bits >> 1) & 1;
    }
    rates.calls = static_cast<std::int64_t>(recent.size());
    if (rates.calls > 0) {
        rates.failure_rate = static_cast<double>(failures) / static_cast<double>(rates.calls);
        rates.slow_rate = static_cast<double>(slow) / static_cast<double>(rates.calls);
    }
    return rates;
}

void trip(Breaker& b, const BreakerConfig& config, std::int64_t now_ms) {
    b.state = "open";
    b.since_ms = now_ms;
    b.open_count += 1;
    b.open_until_ms = now_ms + open_duration_ms(config, b.open_count);
    b.trips += 1;
    b.consecutive_failures = 0;
    b.probe_successes = 0;
    b.recent.clear();
}

void close_breaker(Breaker& b, std::int64_t now_ms) {
    b.state = "closed";
    b.since_ms = now_ms;
    b.open_until_ms = 0;
    b.open_count = 0;
    b.consecutive_failures = 0;
    b.probe_successes = 0;
    b.recent.clear();
}

// A call made while closed. Thresholds <= 0 switch their rule off rather than tripping on
// everything: a policy that reaches here unvalidated must not wedge every hook open.
void account_closed(Breaker& b, const BreakerConfig& config, bool failure, bool slow, std::int64_t now_ms) {
    b.consecutive_failures = failure ? b.consecutive_failures + 1 : 0;
    if (config.window > 0) {
        b.recent.push_back(static_cast<char>('0' + (failure ? 1 : 0) + (slow ? 2 : 0)));
        auto window = static_cast<std::size_t>(config.window);
        if (b.recent.size() > window) b.recent.erase(0, b.recent.size() - window);
    } else {
        b.recent.clear();
    }
    bool trips = config.consecutive_failures > 0 && b.consecutive_failures >= config.consecutive_failures;
    WindowRates rates = rates_of(b.recent);
    if (!trips && rates.calls > 0 && rates.calls >= config.min_calls) {
        trips = (config.failure_rate > 0 && rates.failure_rate >= config.failure_rate) ||
                (config.slow_call_rate > 0 && rates.slow_rate >= config.slow_call_rate);
    }
    if (trips) trip(b, config, now_ms);
}

// Owns a prepared statement and resets it on scope exit, so a cached statement never
// holds a read transaction open after use.
class Stmt {
public:
    Stmt(sqlite3* db, sqlite3_stmt* stmt, bool owned) : db_(db), stmt_(stmt), owned_(owned) {}
    ~Stmt() {
        if (owned_) {
            sqlite3_finalize(stmt_);
        } else {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        }
    }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
    Stmt& bind(int i, int v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
    Stmt& bind(int i, bool v) { return check(sqlite3_bind_int(stmt_, i, v ? 1 : 0)); }
    Stmt& bind(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
    Stmt& bind(int i, const std::string& v) {
        return check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    Stmt& bind(int i, std::optional<int> v) {
        return v ? bind(i, *v) : check(sqlite3_bind_null(stmt_, i));
    }

    // true: a row is ready; false: done.
    bool step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(db_, rc, "query");
    }

    std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
    }

private:
    Stmt& check(int rc) {
        if (rc != SQLITE_OK) fail(db_, rc, "bind");
        return *this;
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    bool owned_;
};

std::string now_errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// mkdir -p with 0700 for what it creates; existing directories keep their mode.
std::string make_dirs(const std::string& dir) {
    if (dir.empty()) return "empty state directory path";
    std::string partial;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        std::size_t next = dir.find('/', pos + 1);
        partial = dir.substr(0, next);
        pos = next;
        if (partial.empty() || partial == "/") continue;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return now_errno("cannot create state directory '" + partial + "'");
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return now_errno("cannot use state directory '" + dir + "'");
    if (!S_ISDIR(st.st_mode)) return "state directory '" + dir + "' is not a directory";
    return "";
}

// The home directory from /etc/passwd, for a process started without $HOME. Read
// directly: the binary is static, and glibc's getpwuid would dlopen NSS modules of
// whatever glibc is installed at run time.
std::string home_from_passwd(uid_t uid) {
    auto text = fs::read_file("/etc/passwd");
    if (!text) return "";
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> fields;
        std::istringstream parts(line);
        for (std::string field; std::getline(parts, field, ':');) fields.push_back(field);
        if (fields.size() >= 6 && fields[2] == std::to_string(uid)) return fields[5];
    }
    return "";
}

}  // namespace

std::string default_state_dir() {
    if (const char* dir = std::getenv("HOOKWARDEN_STATE_DIR"); dir && *dir) return dir;
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/hookwarden";
    std::string home;
    if (const char* h = std::getenv("HOME"); h && *h) {
        home = h;
    } else if (home = home_from_passwd(::getuid()); home.empty()) {
        home = "/tmp";
    }
    return home + "/.local/state/hookwarden";
}

struct Store::Impl {
    sqlite3* db = nullptr;
    std::string dir;
    std::string path;
    OpenOptions options;
    std::unordered_map<const char*, sqlite3_stmt*> cache;
    std::string loaded_state;   // the breaker state load() last read
    bool gate_written = false;  // by the current write transaction
    bool no_wait = false;
    std::chrono::steady_clock::time_point busy_deadline;
    unsigned jitter_state = static_cast<unsigned>(::getpid());

    ~Impl() { close(); }

    static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames) {
        if (frames < kCheckpointFrames) return SQLITE_OK;
        // Never wait for it: with concurrent readers it cannot truncate now, and the next
        // commit tries again. The hook's own run must not pay a busy wait for housekeeping.
        auto impl = static_cast<Impl*>(self);
        impl->no_wait = true;
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        impl->no_wait = false;
        return SQLITE_OK;
    }

    // SQLite's own busy timeout sleeps in growing steps (up to 100 ms): with dozens of
    // hook processes taking turns, a waiter keeps waking up after the lock was taken
    // again, and can starve past the timeout while the store is merely busy, not stuck.
    // Short jittered polls keep it in the race until the deadline.
    static int on_busy(void* self, int attempt) {
        auto impl = static_cast<Impl*>(self);
        if (impl->no_wait) return 0;
        auto now = std::chrono::steady_clock::now();
        if (attempt == 0) impl->busy_deadline = now + std::chrono::milliseconds(impl->options.busy_timeout_ms);
        if (now >= impl->busy_deadline) return 0;
        auto pause = std::chrono::microseconds(200 + (impl->jitter() % 800));
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, impl->busy_deadline - now));
        return 1;
    }

    unsigned jitter() {
        jitter_state = jitter_state * 1103515245u + 12345u;
        return jitter_state >> 8;
    }

    void close() {
        for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
        cache.clear();
        if (db) sqlite3_close_v2(db);
        db = nullptr;
    }

    // Statements are prepared on first use: a `run` that only admits never pays for
    // the insert's preparation.
    Stmt cached(const char* sql) {
        auto it = cache.find(sql);
        if (it == cache.end()) {
            sqlite3_stmt* stmt = nullptr;
            int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
            if (rc != SQLITE_OK) fail(db, rc, "prepare");
            it = cache.emplace(sql, stmt).first;
        }
        return Stmt(db, it->second, false);
    }

    Stmt prepare(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
        if (rc != SQLITE_OK) fail(db, rc, "prepare");
        return Stmt(db, stmt, true);
    }

    // Opens the connection and brings the schema up to date. Throws SqlError.
    void connect() {
        close();
        int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) fail(db, rc, "cannot open '" + path + "'");
        sqlite3_extended_result_codes(db, 1);
        // Before anything that takes a lock (the WAL switch included), or concurrent
        // first runs get SQLITE_BUSY instead of waiting their turn.
        sqlite3_busy_handler(db, &Impl::on_busy, this);
        // Every `hookwarden run` is a short-lived process, usually the only connection, and
        // that shapes the WAL handling. Checkpointing on close (SQLite's default) would
        // fsync on nearly every run. Without it, each new process rebuilds the WAL index by
        // reading every frame of the WAL, and the built-in autocheckpoint never restarts
        // the WAL (the rebuilt index forgets what was already copied back), so the file and
        // the cost of every open grow without bound. So: no checkpoint on close, and a
        // truncating checkpoint once the WAL passes kCheckpointFrames, keeping both small.
        sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        sqlite3_wal_hook(db, &Impl::on_wal_commit, this);

        std::string mode;
        {
            Stmt s = prepare("PRAGMA journal_mode");
            if (s.step()) mode = s.text(0);
        }
        if (mode != "wal") {
            Stmt s = prepare("PRAGMA journal_mode=WAL");
            if (s.step()) mode = s.text(0);
            if (mode != "wal") throw SqlError{SQLITE_ERROR, "cannot switch '" + path + "' to WAL (" + mode + ")"};
        }
        exec(db, "PRAGMA synchronous=NORMAL");
        migrate();
    }

    int user_version() {
        Stmt s = prepare("PRAGMA user_version");
        return s.step() ? static_cast<int>(s.i64(0)) : 0;
    }

    void migrate() {
        int version = user_version();
        if (version == kSchemaVersion) return;
        if (version > kSchemaVersion)
            throw SqlError{SQLITE_ERROR, "'" + path + "' has schema version " + std::to_string(version) +
                                             ", newer than this hookwarden knows (" +
                                             std::to_string(kSchemaVersion) + ")"};
        exec(db, "BEGIN IMMEDIATE");
        try {
            // Another process may have migrated while we waited for the lock.
            for (version = user_version(); version < kSchemaVersion; ++version)
                exec(db, kMigrations[version]);
            exec(db, ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
            exec(db, "COMMIT");
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    // Moves a corrupt database aside, under an exclusive lock on the directory so that
    // two processes finding it corrupt at once do not move each other's fresh copy.
    std::string recover(const std::string& reason) {
        close();
        int dirfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0) ::flock(dirfd, LOCK_EX);
        std::string message;
        try {
            connect();
            // Someone else already moved it aside and said so.
        } catch (const SqlError& e) {
            if (!is_corruption(e.rc)) {
                if (dirfd >= 0) ::close(dirfd);
                throw;
            }
            close();
            std::string aside = path + ".corrupt-" + std::to_string(std::time(nullptr));
            if (::access(aside.c_str(), F_OK) == 0) aside += "-" + std::to_string(::getpid());
            if (::rename(path.c_str(), aside.c_str()) != 0) {
                std::string error = now_errno("corrupt database '" + path + "' (" + reason +
                                              ") could not be moved aside");
                if (dirfd >= 0) ::close(dirfd);
                throw SqlError{SQLITE_CORRUPT, error};
            }
            for (const char* suffix : {"-wal", "-shm"}) {
                std::string from = path + suffix;
                if (::access(from.c_str(), F_OK) == 0) ::rename(from.c_str(), (aside + suffix).c_str());
            }
            message = "store: the database '" + path + "' was corrupt (" + reason + "); moved it aside to '" +
                      aside + "' and started a new one";
            try {
                connect();
            } catch (...) {
                if (dirfd >= 0) ::close(dirfd);
                throw;
            }
        }
        if (dirfd >= 0) ::close(dirfd);
        return message;
    }

    bool load(const std::string& hook, Breaker& b) {
        loaded_state = "closed";
        Stmt s = cached(kSelectBreaker);
        s.bind(1, hook);
        if (!s.step()) return false;
        b.state = s.text(0);
        loaded_state = b.state;
        b.since_ms = s.i64(1);
        b.open_until_ms = s.i64(2);
        b.consecutive_failures = s.i64(3);
        b.open_count = s.i64(4);
        b.probe_successes = s.i64(5);
        b.trips = s.i64(6);
        b.runs = s.i64(7);
        b.failures = s.i64(8);
        b.recent = s.text(9);
        return true;
    }

    // `exists`: what load() said inside the same write transaction.
    void save(const std::string& hook, const Breaker& b, bool exists) {
        Stmt s = cached(exists ? kUpdateBreaker : kInsertBreaker);
        s.bind(1, hook).bind(2, b.state).bind(3, b.since_ms).bind(4, b.open_until_ms);
        s.bind(5, b.consecutive_failures).bind(6, b.open_count).bind(7, b.probe_successes);
        s.bind(8, b.trips).bind(9, b.runs).bind(10, b.failures).bind(11, b.recent);
        s.step();
        if (gated(b.state) != gated(loaded_state)) write_gate();
    }

    // Whether a run of a hook in this breaker state needs the full admission.
    static bool gated(const std::string& state) { return state != "closed" && state != "disabled"; }

    // Inside the write transaction that changes the set, so gate writes are ordered
    // like the commits. If that transaction then fails, the gate is removed (see
    // forget_gate): everyone takes the full admission until the next write.
    void write_gate() {
        gate_written = true;
        std::vector<std::string> listed;
        Stmt s = cached("SELECT hook FROM breakers WHERE state NOT IN ('closed', 'disabled') ORDER BY hook");
        while (s.step()) listed.push_back(s.text(0));
        if (!store::write_gate(dir, listed).empty()) store::remove_gate(dir);
    }

    // The first store (or one whose gate was removed) writes it, so that later runs
    // can be admitted without the database. Best effort: without a gate, runs simply
    // take the full admission.
    void ensure_gate();

    void forget_gate() {
        if (gate_written) store::remove_gate(dir);
        gate_written = false;
    }

    void run(const char* sql, const std::string& hook) {
        Stmt s = cached(sql);
        s.bind(1, hook);
        s.step();
    }

    void prune(std::int64_t now_ms) {
        const Retention& r = options.retention;
        if (r.max_records > 0) {
            Stmt s = cached("DELETE FROM runs WHERE id <= (SELECT max(id) FROM runs) - ?1");
            s.bind(1, r.max_records);
            s.step();
        }
        if (r.max_age_ms > 0) {
            Stmt s = cached("DELETE FROM runs WHERE time_ms < ?1");
            s.bind(1, now_ms - r.max_age_ms);
            s.step();
        }
    }
};

namespace {

// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and
// then writes can fail with SQLITE_BUSY_SNAPSHOT instead of waiting on the busy timeout.
// Rolled back unless committed, and then a breaker gate written inside it is removed.
class WriteTx {
public:
    explicit WriteTx(Store::Impl& impl) : impl_(impl) {
        exec(impl_.db, "BEGIN IMMEDIATE");
        impl_.gate_written = false;
    }
    ~WriteTx() {
        if (done_) return;
        sqlite3_exec(impl_.db, "ROLLBACK", nullptr, nullptr, nullptr);
        impl_.forget_gate();
    }
    WriteTx(const WriteTx&) = delete;
    WriteTx& operator=(const WriteTx&) = delete;
    void commit() {
        exec(impl_.db, "COMMIT");
        done_ = true;
    }

private:
    Store::Impl& impl_;
    bool done_ = false;
};

// Command lines and error texts may hold bytes that are not UTF-8; storing a
// replacement character beats losing the record.
std::string json_text(const std::vector<std::string>& list) {
    return nlohmann::json(list).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> string_list(const std::string& text) {
    std::vector<std::string> out;
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_array()) return out;
    for (const auto& item : parsed)
        if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

std::string describe(const std::string& op, const std::string& path, const std::string& message) {
    return "store: " + op + " failed (" + path + "): " + message;
}

// Decisions that need no write: everything except an open breaker that is due for a
// probe, and half-open.
bool decide_without_write(const Breaker& b, bool found, std::int64_t now_ms, Admission& a) {
    a.state_before = found ? b.state : "closed";
    if (!found || b.state == "closed" || b.state == "disabled") {
        a.run = true;
        return true;
    }
    if (b.state == "forced_open") {
        a.run = false;
        return true;
    }
    if (b.state == "open" && now_ms < b.open_until_ms) {
        a.run = false;
        a.retry_after_ms = b.open_until_ms - now_ms;
        return true;
    }
    if (b.state != "open" && b.state != "half_open") {
        // An unknown state written by a newer version: let the hook run.
        a.run = true;
        return true;
    }
    return false;
}

}  // namespace

void Store::Impl::ensure_gate() {
    if (::access((dir + "/" + kGateName).c_str(), F_OK) == 0 || errno != ENOENT) return;
    try {
        WriteTx tx(*this);
        write_gate();
        tx.commit();
    } catch (const std::exception&) {
        store::remove_gate(dir);
    }
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

const std::string& Store::path() const { return impl_->path; }

std::unique_ptr<Store> Store::open(const std::string& dir, std::string& error, const OpenOptions& options) {
    error.clear();
    try {
        if (std::string e = make_dirs(dir); !e.empty()) {
            error = "store: " + e;
            return nullptr;
        }
        if (options.wait_for_pending && !wait_pending(dir, "", std::chrono::seconds(2)))
            error = "store: records of runs that already answered are still being committed after 2 s";
        // Memory statistics cost a mutex and bookkeeping on every allocation, and parsing
        // the schema alone allocates thousands of times; nothing here reads them. Only
        // possible before SQLite initialises (later it answers SQLITE_MISUSE, harmlessly).
        static const int memstatus_off [[maybe_unused]] = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        auto impl = std::make_unique<Impl>();
        impl->dir = dir;
        impl->path = dir + "/" + kDatabaseName;
        impl->options = options;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
        for (;;) {
            try {
                impl->connect();
                break;
            } catch (const SqlError& e) {
                if (is_corruption(e.rc)) {
                    error = impl->recover(e.message);
                    break;
                }
                // While concurrent first runs create the database and switch it to WAL,
                // some steps answer SQLITE_BUSY without consulting the busy handler.
                int primary = e.rc & 0xff;
                if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) ||
                    std::chrono::steady_clock::now() >= deadline)
                    throw;
                std::this_thread::sleep_for(std::chrono::microseconds(500 + (impl->jitter() % 1500)));
            }
        }
        impl->ensure_gate();
        return std::unique_ptr<Store>(new Store(std::move(impl)));
    } catch (const SqlError& e) {
        error = "store: " + e.message;
    } catch (const std::exception& e) {
        error = std::string("store: ") + e.what();
    } catch (...) {
        error = "store: unknown error while opening";
    }
    return nullptr;
}

Admission Store::admit(const std::string& hook, const BreakerConfig& config, std::int64_t now_ms,
                       std::int64_t probe_ttl_ms) {
    Admission a;
    try {
        Breaker b;
        // The common case (closed) is decided from a plain read: no write lock, so
        // concurrent hooks do not queue behind each other just to be told "run".
        if (decide_without_write(b, impl_->load(hook, b), now_ms, a)) return a;

        WriteTx tx(*impl_);
        b = Breaker{};
        bool found = impl_->load(hook, b);
        if (decide_without_write(b, found, now_ms, a)) {
            tx.commit();
            return a;
        }
        if (b.state == "open") {
            b.state = "half_open";
            b.since_ms = now_ms;
            b.probe_successes = 0;
            impl_->run(kDeleteProbes, hook);
            impl_->save(hook, b, true);
        } else {
            Stmt s = impl_->cached(kDeleteExpiredProbes);
            s.bind(1, hook).bind(2, now_ms);
            s.step();
        }
        std::int64_t active = 0, earliest = 0;
        {
            Stmt s = impl_->cached(kActiveProbes);
            s.bind(1, hook);
            if (s.step()) {
                active = s.i64(0);
                earliest = s.i64(1);
            }
        }
        a.state_before = "half_open";
        if (active < std::max<std::int64_t>(config.half_open_probes, 1)) {
            Stmt s = impl_->cached(kInsertProbe);
            s.bind(1, hook).bind(2, now_ms).bind(3, now_ms + std::max<std::int64_t>(probe_ttl_ms, 1));
            s.step();
            a.run = true;
            a.probe = true;
            a.probe_id = sqlite3_last_insert_rowid(impl_->db);
        } else {
            a.run = false;
            a.retry_after_ms = std::max<std::int64_t>(earliest - now_ms, 1);
        }
        tx.commit();
        return a;
    } catch (const SqlError& e) {
        a = Admission{};
        a.error = describe("breaker check for '" + hook + "'", impl_->path, e.message);
    } catch (const std::exception& e) {
        a = Admission{};
        a.error = describe("breaker check for '" + hook + "'", impl_->path, e.what());
    }
    return a;
}

std::string Store::complete(RunRecord& r, const BreakerConfig& config, const Admission& admission,
                            std::int64_t now_ms) {
    try {
        WriteTx tx(*impl_);
        Breaker b;
        bool exists = impl_->load(r.hook, b);
        if (!exists) b.since_ms = now_ms;
        r.breaker_before = admission.state_before.empty() ? b.state : admission.state_before;

        bool failure = is_failure(r.outcome);
        bool slow = config.slow_call_ms > 0 && r.wall_ms >= static_cast<double>(config.slow_call_ms);
        b.runs += 1;
        if (failure) b.failures += 1;

        if (admission.probe) {
            Stmt s = impl_->cached(kDeleteProbe);
            s.bind(1, admission.probe_id).bind(2, r.hook);
            s.step();
        }
        // A skipped run (breaker_open) or hookwarden's own failure says nothing about the
        // hook's health.
        bool accounted = r.outcome != Outcome::breaker_open && r.outcome != Outcome::internal_error;
        if (accounted) {
            if (admission.probe && b.state == "half_open") {
                // A slow probe is not evidence of recovery: slowness may be why it tripped.
                if (failure || slow) {
                    trip(b, config, now_ms);
                    impl_->run(kDeleteProbes, r.hook);
                } else if (++b.probe_successes >= std::max<std::int64_t>(config.half_open_probes, 1)) {
                    close_breaker(b, now_ms);
                    impl_->run(kDeleteProbes, r.hook);
                }
            } else if (!admission.probe && b.state == "closed") {
                account_closed(b, config, failure, slow, now_ms);
            }
            // Otherwise the result arrived after the breaker moved on (a run admitted
            // before a trip, a probe after another probe decided): kept as a record only.
        }
        r.breaker_after = b.state;
        impl_->save(r.hook, b, exists);

        Stmt s = impl_->cached(kInsertRun);
        s.bind(1, r.time_unix_ms).bind(2, r.hook).bind(3, r.event).bind(4, r.matcher_target);
        s.bind(5, r.session_id).bind(6, json_text(r.command)).bind(7, std::string(to_string(r.outcome)));
        s.bind(8, std::string(to_string(r.answer))).bind(9, r.exit_code).bind(10, r.signal).bind(11, r.wall_ms);
        s.bind(12, r.cpu_user_ms).bind(13, r.cpu_sys_ms).bind(14, r.peak_memory_bytes);
        s.bind(15, r.peak_memory_source).bind(16, r.oom_killed).bind(17, r.leftovers_killed);
        s.bind(18, r.limits.timeout_ms).bind(19, r.limits.kill_grace_ms).bind(20, r.limits.memory_mb);
        s.bind(21, r.limits.pids).bind(22, r.limits.cpu_percent).bind(23, r.limits.output_kb);
        s.bind(24, r.stdout_bytes).bind(25, r.stderr_bytes).bind(26, r.stdout_truncated);
        s.bind(27, r.stderr_truncated).bind(28, r.breaker_before).bind(29, r.breaker_after);
        s.bind(30, r.backend).bind(31, r.overhead_ms).bind(32, json_text(r.errors));
        s.bind(33, nlohmann::json(r.confinement).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        s.step();
        std::int64_t id = sqlite3_last_insert_rowid(impl_->db);
        std::int64_t every = impl_->options.retention.prune_every;
        if (every > 0 && id % every == 0) impl_->prune(now_ms);
        tx.commit();
        return "";
    } catch (const SqlError& e) {
        return describe("recording the run of '" + r.hook + "'", impl_->path, e.message);
    } catch (const std::exception& e) {
        return describe("recording the run of '" + r.hook + "'", impl_->path, e.what());
    }
}

std::string Store::set_breaker(const std::string& hook, const std::string& action, std::int64_t now_ms) {
    if (hook.empty()) return "breaker: a hook name is required";
    if (action != "reset" && action != "close" && action != "open" && action != "disable")
        return "breaker: unknown action '" + action + "' (expected reset, open, close or disable)";
    try {
        WriteTx tx(*impl_);
        Breaker b;
        bool exists = impl_->load(hook, b);
        if (!exists) b.since_ms = now_ms;
        if (action == "reset" || action == "close") {
            close_breaker(b, now_ms);
            // reset forgets the trip history too; close only ends this episode.
            if (action == "reset") b.trips = 0;
            impl_->run(kDeleteProbes, hook);
        } else {
            b.state = action == "open" ? "forced_open" : "disabled";
            b.since_ms = now_ms;
            b.open_until_ms = 0;
            b.probe_successes = 0;
            impl_->run(kDeleteProbes, hook);
        }
        impl_->save(hook, b, exists);
        tx.commit();
        return "";
    } catch (const SqlError& e) {
        return describe("breaker " + action + " '" + hook + "'", impl_->path, e.message);
    } catch (const std::exception& e) {
        return describe("breaker " + action + " '" + hook + "'", impl_->path, e.what());
    }
}

std::vector<BreakerStatus> Store::breakers(std::string* error) {
    std::vector<BreakerStatus> out;
    try {
        Stmt s = impl_->prepare(
            "SELECT hook, state, since_ms, open_until_ms, consecutive_failures, open_count, trips, runs, "
            "failures, recent, (SELECT count(*) FROM probes p WHERE p.hook = b.hook) FROM breakers b "
            "ORDER BY hook");
        while (s.step()) {
            BreakerStatus st;
            st.hook = s.text(0);
            st.state = s.text(1);
            st.since_ms = s.i64(2);
            st.open_until_ms = s.i64(3);
            st.consecutive_failures = s.i64(4);
            st.open_count = s.i64(5);
            st.trips = s.i64(6);
            st.runs = s.i64(7);
            st.failures = s.i64(8);
            WindowRates rates = rates_of(s.text(9));
            st.window_calls = rates.calls;
            st.window_failure_rate = rates.failure_rate;
            st.window_slow_rate = rates.slow_rate;
            st.active_probes = s.i64(10);
            out.push_back(std::move(st));
        }
        if (error) error->clear();
    } catch (const SqlError& e) {
        if (error) *error = describe("reading breakers", impl_->path, e.message);
        out.clear();
    } catch (const std::exception& e) {
        if (error) *error = describe("reading breakers", impl_->path, e.what());
        out.clear();
    }
    return out;
}

std::vector<RunRecord> Store::records(std::optional<std::int64_t> since_ms, std::optional<std::string> hook,
                                      std::optional<std::string> event, std::size_t limit, std::string* error) {
    std::vector<RunRecord> out;
    try {
        std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE 1";
        if (since_ms) sql += " AND time_ms >= ?1";
        if (hook) sql += " AND hook = ?2";
        if (event) sql += " AND event = ?3";
        sql += limit > 0 ? " ORDER BY id DESC LIMIT ?4" : " ORDER BY id";
        Stmt s = impl_->prepare(sql);
        if (since_ms) s.bind(1, *since_ms);
        if (hook) s.bind(2, *hook);
        if (event) s.bind(3, *event);
        if (limit > 0) s.bind(4, static_cast<std::int64_t>(limit));
        while (s.step()) {
            RunRecord r;
            r.time_unix_ms = s.i64(0);
            r.hook = s.text(1);
            r.event = s.text(2);
            r.matcher_target = s.text(3);
            r.session_id = s.text(4);
            r.command = string_list(s.text(5));
            r.outcome = outcome_from_string(s.text(6)).value_or(Outcome::internal_error);
            if (!s.is_null(8)) r.exit_code = static_cast<int>(s.i64(8));
            if (!s.is_null(9)) r.signal = static_cast<int>(s.i64(9));
            r.wall_ms = s.real(10);
            r.cpu_user_ms = s.real(11);
            r.cpu_sys_ms = s.real(12);
            r.peak_memory_bytes = s.i64(13);
            r.peak_memory_source = s.text(14);
            r.oom_killed = s.i64(15) != 0;
            r.leftovers_killed = s.i64(16);
            r.limits.timeout_ms = s.i64(17);
            r.limits.kill_grace_ms = s.i64(18);
            r.limits.memory_mb = s.i64(19);
            r.limits.pids = s.i64(20);
            r.limits.cpu_percent = s.i64(21);
            r.limits.output_kb = s.i64(22);
            r.stdout_bytes = s.i64(23);
            r.stderr_bytes = s.i64(24);
            r.stdout_truncated = s.i64(25) != 0;
            r.stderr_truncated = s.i64(26) != 0;
            r.breaker_before = s.text(27);
            r.breaker_after = s.text(28);
            r.backend = s.text(29);
            r.overhead_ms = s.real(30);
            r.errors = string_list(s.text(31));
            read_answer(s.text(7), r);  // after errors: an unknown answer adds one
            if (auto c = nlohmann::json::parse(s.text(32), nullptr, false); c.is_object()) c.get_to(r.confinement);
            out.push_back(std::move(r));
        }
        if (limit > 0) std::reverse(out.begin(), out.end());
        if (error) error->clear();
    } catch (const SqlError& e) {
        if (error) *error = describe("reading records", impl_->path, e.message);
        out.clear();
    } catch (const std::exception& e) {
        if (error) *error = describe("reading records", impl_->path, e.what());
        out.clear();
    }
    return out;
}

std::size_t Store::record_count(std::string* error) {
    try {
        Stmt s = impl_->prepare("SELECT count(*) FROM runs");
        std::size_t n = s.step() ? static_cast<std::size_t>(s.i64(0)) : 0;
        if (error) error->clear();
        return n;
    } catch (const SqlError& e) {
        if (error) *error = describe("counting records", impl_->path, e.message);
    }
    return 0;
}

std::string Store::prune(std::int64_t now_ms) {
    try {
        WriteTx tx(*impl_);
        impl_->prune(now_ms);
        tx.commit();
        return "";
    } catch (const SqlError& e) {
        return describe("pruning records", impl_->path, e.message);
    }
}

}  // namespace hookwarden::store
