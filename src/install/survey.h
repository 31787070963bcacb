// The agents' settings files on this machine, for `doctor`: every scope of every agent
// (install/agent_format.h), and how many of their command hooks run under hookwarden.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "hookwarden/agent.h"

namespace hookwarden::install {

struct SurveyedFile {
    Agent agent;
    std::string scope, path;
    std::string problem;  // "" = read and well-formed
    std::size_t commands = 0, wrapped = 0;
    // Wrapped hooks whose hookwarden is a bare name or a path that is not executable:
    // the agent gets exit 127, a non-blocking error, and skips the guard.
    std::size_t unreachable = 0;
};

// The files that exist, for the project in `project_dir` and the user in `home_dir`.
std::vector<SurveyedFile> survey(const std::string& project_dir, const std::string& home_dir);
void print_survey(std::ostream& out, const std::vector<SurveyedFile>& files);

}  // namespace hookwarden::install
