#include "util/proc_tree.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

#include "util/fs.h"

namespace hookwarden::proc_tree {

namespace {
// ppid from /proc/PID/stat; the command name may hold spaces and parens, so parse
// from the last ')'. Zombies count as gone (-1): signalling them achieves nothing.
int live_parent_of(const char* pid) {
    auto stat = fs::read_file(std::string("/proc/") + pid + "/stat");
    if (!stat) return -1;
    size_t close = stat->rfind(')');
    if (close == std::string::npos || close + 4 >= stat->size()) return -1;
    // ") S PPID ..."
    char state = (*stat)[close + 2];
    if (state == 'Z' || state == 'X') return -1;
    return std::atoi(stat->c_str() + close + 4);
}
}  // namespace

long signal_descendants(int root, int sig) {
    std::unordered_map<int, std::vector<int>> children;
    DIR* proc = ::opendir("/proc");
    if (!proc) return 0;
    while (dirent* entry = ::readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        int ppid = live_parent_of(entry->d_name);
        if (ppid > 0) children[ppid].push_back(std::atoi(entry->d_name));
    }
    ::closedir(proc);
    long signalled = 0;
    std::vector<int> pending{root};
    while (!pending.empty()) {
        int pid = pending.back();
        pending.pop_back();
        auto it = children.find(pid);
        if (it == children.end()) continue;
        for (int child : it->second) {
            if (::kill(child, sig) == 0) ++signalled;
            pending.push_back(child);
        }
    }
    return signalled;
}

bool is_ancestor(int pid) {
    if (pid <= 1) return false;
    int current = ::getppid();
    for (int step = 0; step < 256 && current > 1; ++step) {
        if (current == pid) return true;
        current = live_parent_of(std::to_string(current).c_str());
    }
    return false;
}

}  // namespace hookwarden::proc_tree
