#include "serve/rlimits.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <sys/resource.h>

namespace hookwarden::serve {

namespace {

// In the order of <sys/resource.h>'s numbers.
constexpr const char* kNames[] = {"CPU",  "FSIZE", "DATA",       "STACK",    "CORE", "RSS",
                                  "NPROC", "NOFILE", "MEMLOCK",   "AS",       "LOCKS", "SIGPENDING",
                                  "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"};

std::string name_of(std::uint32_t resource) {
    return resource < std::size(kNames) ? std::string("RLIMIT_") + kNames[resource] : "rlimit " + std::to_string(resource);
}

std::string value_of(rlim_t value) { return value == RLIM_INFINITY ? "unlimited" : std::to_string(value); }

}  // namespace

std::vector<wire::Rlimit> current_rlimits() {
    std::vector<wire::Rlimit> limits;
    for (int resource = 0; resource < RLIM_NLIMITS; ++resource) {
        rlimit value{};
        if (::getrlimit(static_cast<__rlimit_resource>(resource), &value) == 0)
            limits.push_back({static_cast<std::uint32_t>(resource), value.rlim_cur, value.rlim_max});
    }
    return limits;
}

std::vector<std::string> take_rlimits(const std::vector<wire::Rlimit>& limits) {
    std::vector<std::string> notes;
    for (const auto& limit : limits) {
        if (limit.resource >= RLIM_NLIMITS) continue;
        const auto resource = static_cast<__rlimit_resource>(limit.resource);
        rlimit wanted{limit.soft, limit.hard};
        wanted.rlim_cur = std::min(wanted.rlim_cur, wanted.rlim_max);
        if (::setrlimit(resource, &wanted) == 0) continue;
        const int error = errno;
        // Above our hard limit: the most we may give, which is no more than the client had.
        rlimit ours{};
        ::getrlimit(resource, &ours);
        rlimit capped{std::min(wanted.rlim_cur, ours.rlim_max), std::min(wanted.rlim_max, ours.rlim_max)};
        ::setrlimit(resource, &capped);
        notes.push_back(name_of(limit.resource) + " of the client (" + value_of(limit.soft) + "/" + value_of(limit.hard) +
                        ") not taken: " + std::strerror(error) + "; the daemon's hard limit holds: " +
                        value_of(capped.rlim_cur) + "/" + value_of(capped.rlim_max));
    }
    return notes;
}

}  // namespace hookwarden::serve
