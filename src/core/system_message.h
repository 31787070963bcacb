// Telling the person in the agent that an alert started firing (docs/observability.md):
// the hook's next answer carries a `systemMessage`, merged into the answer without
// changing any other byte of it.
#pragma once

#include <string>

#include "agents/claude/protocol.h"

namespace hookwarden::core {

// Adds `"systemMessage": message` to `answer` when the agent reads its stdout as JSON
// (exit 0) and that stdout is empty or a JSON object without a systemMessage of its
// own; false (and `answer` untouched) otherwise. The hook's text is kept byte for byte:
// the key goes in before the closing brace.
bool merge_system_message(agents::claude::Answer& answer, const std::string& message);

// Takes the hook's pending alert notice (store/alert_notice.h) into `answer`, if the
// answer can carry it; else it is left for the next answer. One access(2) when none.
void deliver_alert_notice(const std::string& state_dir, const std::string& hook, agents::claude::Answer& answer);

}  // namespace hookwarden::core
