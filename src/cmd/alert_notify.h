// `hookwarden alerts --notify` (docs/observability.md): the firing alerts whose rule has a
// `notify` are told once per firing, by running its command and POSTing its webhook,
// each bounded in time. Never on a hook's answer path: a timer or cron job runs it.
#pragma once

#include <ostream>
#include <string>

#include "cmd/alert_view.h"

namespace hookwarden::cmd {

// Bounds of one notification.
inline constexpr int kNotifyCommandTimeoutMs = 10000;
inline constexpr int kWebhookTimeoutMs = 5000;
inline constexpr const char* kNotifyLog = "alerts/notify.log";

// Tells what is newly firing, forgets what stopped. A failed notification is a line on
// `err`, in <state>/alerts/notify.log and in the store (status shows it); false if any failed.
bool notify_alerts(const AlertView& view, const std::string& state_dir, std::ostream& err);

// The alert as the JSON a command gets on stdin and a webhook gets as its body.
std::string alert_payload(const alerts::HookAlert& alert);
// POSTs `body` to an http:// URL; "" when answered 2xx, else what went wrong.
std::string post_webhook(const std::string& url, const std::string& body, int timeout_ms);

}  // namespace hookwarden::cmd
