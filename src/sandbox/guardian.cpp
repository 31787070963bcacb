#include "sandbox/guardian.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/cgroupfs.h"

namespace hookwarden::sandbox {

namespace {

[[noreturn]] void guard(int pipe_fd, const std::vector<std::string>& cgroup_dirs,
                        const std::vector<std::string>& stale_parents) {
    // The supervisor is single-threaded when it forks, so the heap is usable here.
    ::setsid();
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
    int pgid = 0;
    while (::read(3, &pgid, sizeof pgid) < 0 && errno == EINTR) {
    }
    char byte;
    while (::read(3, &byte, 1) < 0 && errno == EINTR) {
    }
    if (pgid > 0) ::kill(-pgid, SIGKILL);
    for (auto it = cgroup_dirs.rbegin(); it != cgroup_dirs.rend(); ++it) {
        if (::access(it->c_str(), F_OK) != 0) continue;
        cgroupfs::kill_cgroup(*it);
        cgroupfs::remove_cgroup(*it);
    }
    for (const auto& parent : stale_parents) cgroupfs::remove_stale(parent);
    ::_exit(0);
}

}  // namespace

void Guardian::watch(int hook_pgid) {
    if (pipe_fd_ >= 0) {
        ssize_t n = ::write(pipe_fd_, &hook_pgid, sizeof hook_pgid);
        (void)n;
    }
}

Guardian::~Guardian() {
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
}

bool Guardian::start(const std::vector<std::string>& cgroup_dirs, const std::vector<std::string>& stale_parents) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    // Fork twice so the guardian is not our child: the `none` backend reads "no child
    // left" as "the tree is gone". Must run before we become a child subreaper.
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return false;
    }
    if (pid == 0) {
        if (::fork() != 0) ::_exit(0);
        guard(fds[0], cgroup_dirs, stale_parents);
    }
    ::waitpid(pid, nullptr, 0);
    ::close(fds[0]);
    pipe_fd_ = fds[1];
    return true;
}

}  // namespace hookwarden::sandbox
