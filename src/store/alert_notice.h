// The notice that tells the person in the agent an alert started firing for a hook
// (docs/observability.md): <state>/alerts/<hook_key>.notice, one line per alert, posted
// by the commit that saw it start and taken by the hook's next answer. A file, not a
// row: the run path looks for it with one open(2) and never opens SQLite for it.
#pragma once

#include <optional>
#include <string>

namespace hookwarden::store {

inline constexpr const char* kAlertsDir = "alerts";

std::string notice_path(const std::string& state_dir, const std::string& hook);
// Appends `line` (a newline is added). Returns "" or an error text.
std::string post_notice(const std::string& state_dir, const std::string& hook, const std::string& line);
// The notice's lines, once: it is renamed away before it is read, so two answers that
// race for it cannot both carry it. nullopt when there is none (the common case: one
// failed open).
std::optional<std::string> take_notice(const std::string& state_dir, const std::string& hook);

}  // namespace hookwarden::store
