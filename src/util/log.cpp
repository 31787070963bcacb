#include "util/log.h"

#include <cstdlib>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace hookwarden::log {

bool init(const std::string& level_arg, const std::string& file, std::string& error) {
    std::string level = level_arg;
    if (level.empty()) {
        const char* env = std::getenv("HOOKWARDEN_LOG");
        level = env ? env : "warn";
    }
    // A daemon's worker initialises again with its client's options.
    spdlog::drop("hookwarden");
    spdlog::drop("hookwarden-stderr");
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (file.empty())
            logger = spdlog::stderr_logger_st("hookwarden");
        else
            logger = spdlog::basic_logger_st("hookwarden", file);
    } catch (const spdlog::spdlog_ex& e) {
        error = "cannot open log file '" + file + "': " + e.what();
        logger = spdlog::stderr_logger_st("hookwarden-stderr");
        logger->set_pattern("hookwarden: %l: %v");
        spdlog::set_default_logger(logger);
        spdlog::set_level(spdlog::level::warn);
        return false;
    }
    logger->set_pattern("hookwarden: %l: %v");
    spdlog::set_default_logger(logger);
    auto parsed = spdlog::level::from_str(level);
    // from_str answers "off" for anything it does not know; only accept "off" when asked.
    if (parsed == spdlog::level::off && level != "off") {
        error = "unknown log level '" + level + "' (expected trace, debug, info, warn, error, critical or off)";
        spdlog::set_level(spdlog::level::warn);
        return false;
    }
    spdlog::set_level(parsed);
    return true;
}

}  // namespace hookwarden::log
