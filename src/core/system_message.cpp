#include "core/system_message.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "store/alert_notice.h"

namespace hookwarden::core {

namespace {

bool blank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string quoted(const std::string& text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

bool merge_system_message(agents::claude::Answer& answer, const std::string& message) {
    if (answer.exit_code != 0) return false;
    if (blank(answer.stdout_data)) {
        answer.stdout_data = "{\"systemMessage\": " + quoted(message) + "}\n";
        return true;
    }
    auto parsed = nlohmann::json::parse(answer.stdout_data, nullptr, false);
    if (!parsed.is_object() || parsed.contains("systemMessage")) return false;
    const std::size_t brace = answer.stdout_data.find_last_of('}');
    if (brace == std::string::npos) return false;
    const std::string key = "\"systemMessage\": " + quoted(message);
    answer.stdout_data.insert(brace, parsed.empty() ? key : ", " + key);
    return true;
}

void deliver_alert_notice(const std::string& state_dir, const std::string& hook, agents::claude::Answer& answer) {
    const std::string path = store::notice_path(state_dir, hook);
    if (::access(path.c_str(), F_OK) != 0) return;  // the common case
    // Only taken when this answer can carry it.
    agents::claude::Answer probe = answer;
    if (!merge_system_message(probe, "x")) return;
    auto notice = store::take_notice(state_dir, hook);
    if (!notice) return;
    while (!notice->empty() && notice->back() == '\n') notice->pop_back();
    merge_system_message(answer, *notice);
}

}  // namespace hookwarden::core
