#include "util/process_title.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "util/fs.h"

namespace hookwarden {

bool set_process_title(std::string_view title) {
    // proc(5): fields 48 and 49 of /proc/self/stat are arg_start and arg_end, the bounds
    // of the memory /proc/self/cmdline is read from. Counted after the last ')', since
    // field 2 (the command name) may itself contain spaces and parentheses.
    auto stat = fs::read_file("/proc/self/stat");
    if (!stat) return false;
    auto close = stat->rfind(')');
    if (close == std::string::npos) return false;
    const char* p = stat->c_str() + close + 2;  // past ") "
    if (*p != '\0') ++p;                        // field 3, the state, is a letter
    std::uintptr_t arg_start = 0, arg_end = 0;
    for (int field = 4; field <= 49 && *p; ++field) {
        char* end = nullptr;
        unsigned long long value = std::strtoull(p, &end, 10);
        if (end == p) return false;
        if (field == 48) arg_start = static_cast<std::uintptr_t>(value);
        if (field == 49) arg_end = static_cast<std::uintptr_t>(value);
        p = end;
    }
    if (arg_start == 0 || arg_end <= arg_start) return false;
    char* area = reinterpret_cast<char*>(arg_start);
    const std::size_t size = arg_end - arg_start;
    const std::size_t n = std::min(title.size(), size - 1);
    std::memset(area, 0, size);
    std::memcpy(area, title.data(), n);
    return true;
}

}  // namespace hookwarden
