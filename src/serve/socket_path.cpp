#include "serve/socket_path.h"

#include <cstdlib>
#include <sys/un.h>

#include "store/store.h"
#include "util/paths.h"

namespace hookwarden::serve {

std::string default_socket_path() {
    if (const char* path = std::getenv("HOOKWARDEN_SOCKET"); path && *path) return path;
    if (std::string runtime = paths::runtime_dir(); !runtime.empty()) return runtime + "/hookwarden/serve.sock";
    return store::default_state_dir() + "/serve.sock";
}

bool fits_socket_address(const std::string& path) { return !path.empty() && path.size() < sizeof(sockaddr_un{}.sun_path); }

}  // namespace hookwarden::serve
