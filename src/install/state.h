// Everything both commands need about one settings file, and the install state:
// `<policy dir>/install-state.json`, {"settings": {ABSOLUTE SETTINGS PATH: ENTRY}}, where
// ENTRY records what install replaced ("wrapped": wrapper -> original command,
// "events": EVENT -> {"before", "after"}) and the backups it wrote.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "install/agent_format.h"
#include "install/files.h"
#include "install/install.h"
#include "install/settings_shape.h"

namespace hookwarden::install {

constexpr int kConfigError = 2;

struct Context {
    Agent agent = Agent::claude;
    const AgentFormat* format = nullptr;  // the agent's row, set by prepare
    std::string settings;      // as given (for messages and backups)
    std::string settings_key;  // absolute, the state key
    std::string policy;
    std::string state;
    Loaded file;
    Loaded policy_file;
    Loaded state_file;
    Shape shape;  // of the settings file, once read
};

// Checks the options and reads the settings and the state. 0, or kConfigError after
// reporting on `err`. A settings file that does not exist sets `done`: an error when it
// was named with --settings, else `missing_message` is said on `out` and there is
// nothing to do.
int prepare(const Options& options, Context& ctx, std::ostream& out, std::ostream& err, const char* missing_message,
            bool& done);

// A settings file whose shape has errors is reported (with its notes) and left alone:
// kConfigError, else 0.
int refuse_malformed(const Context& ctx, std::ostream& err);

// This settings file's entry in the state, if any.
std::optional<ojson> state_entry(const Context& ctx);
// The state file's text with this settings file's entry set (or removed: nullopt).
std::string state_text_with(const Context& ctx, const std::optional<ojson>& entry);

// The backup install writes before changing the settings; false after reporting.
bool back_up_settings(const Context& ctx, std::ostream& out, std::ostream& err, std::string& backup);

}  // namespace hookwarden::install
