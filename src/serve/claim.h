// The two ends of a hand-over that every client of the daemon needs (`run`, `dispatch`
// and the HTTP front): a connection to a daemon of our own uid, and the claim that
// decides who runs the hook (wire::kClaimToken, docs/serve.md "The protocol").
#pragma once

#include <optional>
#include <string>

#include "util/fd.h"

namespace hookwarden::serve {

// A connected, non-blocking socket to the daemon on `path` whose SO_PEERCRED uid is
// ours, or an invalid fd and why not (a full backlog answers at once, not later).
UniqueFd connect_daemon(const std::string& path, std::string& why);

// The claim's socket pair, the token already in it. `theirs` travels with the hello;
// the client keeps a copy to withdraw the token with, and sends its "go" on `ours`.
struct Claim {
    UniqueFd ours, theirs;
};
std::optional<Claim> make_claim(std::string& why);

// Takes the token back if it is still there: then no worker has the run, and none ever
// will. False: a worker holds it (its "taken" is on the way, or it died).
bool withdraw(const Claim& claim);

}  // namespace hookwarden::serve
