// The bytes an agent wrote as its event, made into text a strict JSON parser takes, the
// way the agents' own JSON handling reads them: the agents are JavaScript (and Rust)
// programs whose strings may hold a lone UTF-16 surrogate, and whose stdin decoders
// turn an invalid UTF-8 byte into U+FFFD. nlohmann::json refuses both, and refuses
// anything after the first value; an event refused over one byte used to lose its
// name, and with it the policy of its event (a fail-closed guard answered allow).
// Agent-neutral: every agent's event reader (src/agents/<agent>/) parses through this.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hookwarden::agents {

struct EventText {
    std::string_view input;  // the bytes as read (the hook gets these, unchanged)
    std::string repaired;    // the repaired copy, when anything was replaced
    bool was_repaired = false;
    std::size_t value_end = std::string_view::npos;  // end of the first object or array; npos: none found
    std::size_t invalid_utf8 = 0;     // invalid UTF-8 sequences replaced with U+FFFD
    std::size_t lone_surrogates = 0;  // \uD800-\uDFFF escapes without their pair, replaced with \uFFFD
    std::size_t trailing_bytes = 0;   // bytes after the first value (not counting whitespace), ignored

    // What to parse: the first JSON value, repaired; the whole input when no object or
    // array starts it (the parser then says what is wrong).
    std::string_view json() const;
    // What was repaired or ignored, in one sentence for the record; "" when nothing was.
    std::string note() const;
};

// One pass; copies the input only when something needs replacing. `input` must outlive
// the result.
EventText prepare_event_text(std::string_view input);

// Whether `"<key>": true` occurs in `input`, read as bytes: for an event that could not be
// parsed, a loop guard (`stop_hook_active`) must still be seen, or a failing Stop hook
// would keep the agent from ever stopping.
bool raw_flag_is_true(std::string_view input, std::string_view key);

}  // namespace hookwarden::agents
