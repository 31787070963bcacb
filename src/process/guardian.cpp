#include "process/guardian.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#include "sandbox/cgroupfs.h"
#include "telemetry/exporter.h"
#include "util/fs.h"

namespace hookwarden::process {

namespace {

// The first message: the hook's process group id, and the fd of its mount namespace if
// the supervisor could open one. We keep that fd open on purpose: the last reference to
// a mount namespace pays an RCU grace period (milliseconds) when it goes, and it had
// better go with us, after the answer, than with the hook's last process, which the
// supervisor and the agent wait for.
std::string receive_pgid(int fd) {
    char data[sizeof(int)];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    iovec iov{data, sizeof data};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(fd, &header, 0);
    } while (n < 0 && errno == EINTR);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// "R" <u32 size> <commit> <record>, as hand_over sends it for a guardian started with
// `commit_later`: the commit is taken out, the record is left after the "R".
std::optional<store::HandedOverCommit> late_commit(std::string& message) {
    const std::size_t at = sizeof(int) + 1;
    std::uint32_t size = 0;
    if (message.size() < at + sizeof size) return std::nullopt;
    std::memcpy(&size, message.data() + at, sizeof size);
    if (message.size() - at - sizeof size < size) return std::nullopt;
    auto commit = store::decode_commit(message.substr(at + sizeof size, size));
    message.erase(at, sizeof size + size);
    return commit;
}

[[noreturn]] void guard(int pipe_fd, const GuardianJob& job) {
    // The supervisor is single-threaded when it forks, so the heap is usable here.
    ::setsid();
    // Batch: never preempt a process on wakeup. What we do after a normal run (commit
    // the record, remove cgroups) must not delay the supervisor's answer or the agent.
    sched_param batch{};
    ::sched_setscheduler(0, SCHED_BATCH, &batch);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGTERM, SIG_IGN);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    // Hold none of the agent's pipes: the agent waits for EOF on our stdout.
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd, fd);
    if (pipe_fd != 3) ::dup2(pipe_fd, 3);
    ::syscall(SYS_close_range, 4U, ~0U, 0U);
    // Everything the supervisor sends, up to end of file: the hook's process group id
    // (with the hook's mount namespace as an fd, held until we exit), then optionally 'R'
    // and a payload for the finisher (normal end, tree reaped).
    std::string message = receive_pgid(3);
    message += fs::read_all(3).value_or("");
    int pgid = 0;
    if (message.size() >= sizeof pgid) std::memcpy(&pgid, message.data(), sizeof pgid);
    const bool handed_over = message.size() > sizeof pgid && message[sizeof pgid] == 'R';
    std::optional<store::HandedOverCommit> commit = job.commit;
    if (handed_over && job.commit_later) commit = late_commit(message);
    // After a normal end the group was reaped and its id may already be someone else's.
    if (pgid > 0 && !handed_over) ::kill(-pgid, SIGKILL);
    for (auto it = job.cgroup_dirs.rbegin(); it != job.cgroup_dirs.rend(); ++it) {
        if (::access(it->c_str(), F_OK) != 0) continue;
        sandbox::cgroupfs::kill_cgroup(*it);
        sandbox::cgroupfs::remove_tree(*it);
    }
    if (handed_over && commit) {
        store::commit_handed_over(*commit, message.substr(sizeof pgid + 1));
        if (commit->otlp) telemetry::export_if_due(commit->state_dir, *commit->otlp, fs::now_unix_ms());
    }
    for (const auto& parent : job.stale_parents) sandbox::cgroupfs::remove_stale(parent);
    ::_exit(0);
}

}  // namespace

void Guardian::watch(int hook_pgid, int mount_ns_fd) {
    if (pipe_fd_ < 0) return;
    iovec iov{&hook_pgid, sizeof hook_pgid};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    if (mount_ns_fd >= 0) {
        header.msg_control = control;
        header.msg_controllen = sizeof control;
        cmsghdr* fd_message = CMSG_FIRSTHDR(&header);
        fd_message->cmsg_level = SOL_SOCKET;
        fd_message->cmsg_type = SCM_RIGHTS;
        fd_message->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(fd_message), &mount_ns_fd, sizeof mount_ns_fd);
    }
    ssize_t n = ::sendmsg(pipe_fd_, &header, MSG_NOSIGNAL);
    (void)n;
    watched_ = true;
}

bool Guardian::reaped() {
    if (pipe_fd_ < 0 || !watched_) return false;
    if (reaped_sent_) return true;
    std::string message = "R";
    if (!late_commit_.empty()) {
        const auto size = static_cast<std::uint32_t>(late_commit_.size());
        message.append(reinterpret_cast<const char*>(&size), sizeof size).append(late_commit_);
    }
    reaped_sent_ = fs::write_all(pipe_fd_, message) == 0;
    return reaped_sent_;
}

bool Guardian::hand_over(const std::string& payload) {
    const bool sent = reaped() && fs::write_all(pipe_fd_, payload) == 0;
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
    pipe_fd_ = -1;
    return sent;
}

Guardian& Guardian::operator=(Guardian&& other) noexcept {
    if (this == &other) return *this;
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
    pipe_fd_ = std::exchange(other.pipe_fd_, -1);
    pid_ = std::exchange(other.pid_, -1);
    watched_ = std::exchange(other.watched_, false);
    reaped_sent_ = std::exchange(other.reaped_sent_, false);
    late_commit_ = std::move(other.late_commit_);
    return *this;
}

Guardian::~Guardian() {
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
}

bool Guardian::start(const GuardianJob& job) {
    // A socket rather than a pipe: watch() passes the guardian an fd over it.
    int fds[2], pid_pipe[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
    if (::pipe2(pid_pipe, O_CLOEXEC) != 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return false;
    }
    // Fork twice so the guardian is not our child: the `none` backend reads "no child
    // left" as "the tree is gone". Must run before we become a child subreaper. The
    // middle process tells us the guardian's pid (pending markers name it).
    pid_t pid = ::fork();
    if (pid < 0) {
        for (int fd : {fds[0], fds[1], pid_pipe[0], pid_pipe[1]}) ::close(fd);
        return false;
    }
    if (pid == 0) {
        pid_t guardian = ::fork();
        if (guardian != 0) {
            ssize_t n = ::write(pid_pipe[1], &guardian, sizeof guardian);
            ::_exit(n == sizeof guardian ? 0 : 1);
        }
        ::close(pid_pipe[1]);
        guard(fds[0], job);
    }
    ::close(pid_pipe[1]);
    ::waitpid(pid, nullptr, 0);
    pid_t guardian = -1;
    if (::read(pid_pipe[0], &guardian, sizeof guardian) == sizeof guardian) pid_ = guardian;
    ::close(pid_pipe[0]);
    ::close(fds[0]);
    pipe_fd_ = fds[1];
    return true;
}

}  // namespace hookwarden::process
