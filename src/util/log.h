// Diagnostics go to stderr (or a file), never stdout: stdout belongs to the agent protocol.
#pragma once

#include <string>


namespace hookwarden::log {

// Level from the argument, else $HOOKWARDEN_LOG, else "warn". Unknown level names are an
// error the caller reports; the logger stays usable at "warn".
// `file` empty: stderr. Returns false (with `error` set) when the level or file is bad.
bool init(const std::string& level, const std::string& file, std::string& error);

}  // namespace hookwarden::log
