// The store's connection: opening, the schema and its migrations, busy waiting, WAL
// checkpoints, recovery from corruption, and the write transaction.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/impl.h"

namespace hookwarden::store {

namespace {

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
    // 3: long-term history (docs/records.md "History"): runs rolled up per hook, event and
    // UTC hour or day once their detailed rows are pruned; and housekeeping state (when
    // the store was last pruned, the OTLP export's cursor and its last outcome).
    R"sql(
CREATE TABLE aggregates (
  period TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  hook TEXT NOT NULL,
  event TEXT NOT NULL,
  runs INTEGER NOT NULL,
  measured_runs INTEGER NOT NULL,
  outcomes TEXT NOT NULL,
  latency_buckets TEXT NOT NULL,
  wall_ms_sum REAL NOT NULL,
  wall_ms_max REAL NOT NULL,
  cpu_user_ms_sum REAL NOT NULL,
  cpu_sys_ms_sum REAL NOT NULL,
  peak_memory_max INTEGER NOT NULL,
  peak_memory_sum INTEGER NOT NULL,
  memory_limit_max INTEGER NOT NULL,
  oom_kills INTEGER NOT NULL,
  breaker_trips INTEGER NOT NULL,
  degradations INTEGER NOT NULL,
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  PRIMARY KEY (period, start_ms, hook, event)
) WITHOUT ROWID;
CREATE TABLE housekeeping (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 4: the agent that called (docs/agents.md); every older row was Claude Code's.
    R"sql(
ALTER TABLE runs ADD COLUMN agent TEXT NOT NULL DEFAULT 'claude';
)sql",
    // 5: alerts (docs/observability.md): a hook's runs by time, for the rules' windows, and
    // each rule's remembered state per hook (active since, firing), stepped once per run.
    R"sql(
CREATE INDEX IF NOT EXISTS runs_hook_time ON runs(hook, time_ms);
CREATE TABLE IF NOT EXISTS alert_state (
  hook TEXT NOT NULL,
  alert TEXT NOT NULL,
  active_since_ms INTEGER NOT NULL,
  firing INTEGER NOT NULL,
  why TEXT NOT NULL,
  PRIMARY KEY (hook, alert)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_notified (
  hook TEXT NOT NULL,
  alert TEXT NOT NULL,
  notified_ms INTEGER NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (hook, alert)
) WITHOUT ROWID;
)sql",
    // 6: which path ran the run (docs/serve.md): 'process' or 'serve'; older rows: 'process'.
    R"sql(
ALTER TABLE runs ADD COLUMN served_by TEXT NOT NULL DEFAULT 'process';
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

// A run appends about four pages to the WAL; this bounds the WAL to roughly 16 runs, so
// that the WAL index rebuild every new process does stays around a hundred reads.
constexpr int kCheckpointFrames = 64;

}  // namespace

int Store::Impl::on_wal_commit(void* self, sqlite3* db, const char* name, int frames) {
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
int Store::Impl::on_busy(void* self, int attempt) {
    auto impl = static_cast<Impl*>(self);
    if (impl->no_wait) return 0;
    auto now = std::chrono::steady_clock::now();
    if (attempt == 0) impl->busy_deadline = now + std::chrono::milliseconds(impl->options.busy_timeout_ms);
    if (now >= impl->busy_deadline) return 0;
    auto pause = std::chrono::microseconds(200 + (impl->jitter() % 800));
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, impl->busy_deadline - now));
    return 1;
}

unsigned Store::Impl::jitter() {
    jitter_state = jitter_state * 1103515245u + 12345u;
    return jitter_state >> 8;
}

void Store::Impl::close() {
    for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
    cache.clear();
    if (db) sqlite3_close_v2(db);
    db = nullptr;
}

Stmt Store::Impl::cached(const char* sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) fail(db, rc, "prepare");
        it = cache.emplace(sql, stmt).first;
    }
    return Stmt(db, it->second, false);
}

Stmt Store::Impl::prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "prepare");
    return Stmt(db, stmt, true);
}

// The database and its companions are never opened through a symlink: a link planted at
// hookwarden.db used to make hookwarden write its schema into whatever it pointed to. A
// new database is made 0600 here (SQLite would make it 0644, and its -wal and -shm
// files copy the database's mode).
void Store::Impl::prepare_files() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        struct stat st {};
        const std::string file = path + suffix;
        if (::lstat(file.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
            throw SqlError(SQLITE_CANTOPEN, "'" + file + "' is a symbolic link; refused (the database is never "
                                            "written through one)");
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
}

void Store::Impl::connect() {
    close();
    prepare_files();
    int rc = sqlite3_open_v2(path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                             nullptr);
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
        if (mode != "wal") throw SqlError(SQLITE_ERROR, "cannot switch '" + path + "' to WAL (" + mode + ")");
    }
    exec(db, "PRAGMA synchronous=NORMAL");
    migrate();
}

int Store::Impl::user_version() {
    Stmt s = prepare("PRAGMA user_version");
    return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

void Store::Impl::migrate() {
    int version = user_version();
    if (version == kSchemaVersion) return;
    if (version > kSchemaVersion)
        throw SqlError(SQLITE_ERROR, "'" + path + "' has schema version " + std::to_string(version) +
                                         ", newer than this hookwarden knows (" +
                                         std::to_string(kSchemaVersion) + ")");
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
std::string Store::Impl::recover(const std::string& reason) {
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
            throw SqlError(SQLITE_CORRUPT, error);
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

void Store::Impl::run(const char* sql, const std::string& hook) {
    Stmt s = cached(sql);
    s.bind(1, hook);
    s.step();
}

WriteTx::WriteTx(Store::Impl& impl) : impl_(impl) {
    exec(impl_.db, "BEGIN IMMEDIATE");
    impl_.gate_written = false;
}

WriteTx::~WriteTx() {
    if (done_) return;
    sqlite3_exec(impl_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    impl_.forget_gate();
}

void WriteTx::commit() {
    exec(impl_.db, "COMMIT");
    done_ = true;
}

}  // namespace hookwarden::store
