#include "install/survey.h"

#include <cerrno>
#include <cstring>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "install/agent_format.h"
#include "install/json_style.h"
#include "install/settings_shape.h"
#include "install/wrap.h"
#include "util/fs.h"
#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

// The hookwarden a wrapped hook calls is an absolute path to an executable file.
bool reachable(const CommandHook& c) {
    std::string binary;
    if (c.args) {
        binary = c.args->front();
    } else {
        shell::Lexed lexed = shell::lex(c.command);
        if (lexed.segments.empty() || lexed.segments[0].empty()) return false;
        binary = lexed.segments[0][0].value;
    }
    return !binary.empty() && binary[0] == '/' && ::access(binary.c_str(), X_OK) == 0;
}

SurveyedFile look_at(Agent agent, const std::string& scope, const std::string& path) {
    SurveyedFile f{agent, scope, path, "", 0, 0, 0};
    auto text = fs::read_file(path);
    if (!text) {
        f.problem = std::string("cannot read: ") + std::strerror(errno);
        return f;
    }
    std::ostringstream parse_error;
    auto value = parse_or_report(*text, path, parse_error);
    if (!value) {
        f.problem = "not valid JSON";
        return f;
    }
    Shape shape = check_shape(*value, format_of(agent));
    if (!shape.errors.empty()) f.problem = std::to_string(shape.errors.size()) + " problem(s); `install --dry-run` names them";
    for (const auto& c : shape.commands) {
        ++f.commands;
        if (!(c.args ? is_hookwarden_argv(*c.args) : is_hookwarden_command(c.command))) continue;
        ++f.wrapped;
        if (!reachable(c)) ++f.unreachable;
    }
    return f;
}

}  // namespace

std::vector<SurveyedFile> survey(const std::string& project_dir, const std::string& home_dir) {
    std::vector<SurveyedFile> found;
    for (Agent agent : all_agents())
        for (const char* scope : {"project", "local", "user"})
            for (const auto& path : settings_files_for(agent, scope, project_dir, home_dir))
                if (fs::read_file(path) || errno != ENOENT) found.push_back(look_at(agent, scope, path));
    return found;
}

void print_survey(std::ostream& out, const std::vector<SurveyedFile>& files) {
    out << "\nagents' settings files (`hookwarden install --agent AGENT` wraps their hooks):\n";
    if (files.empty()) out << "  none found for this project or user\n";
    for (const auto& f : files) {
        out << "  " << to_string(f.agent) << " " << f.scope << " " << f.path << ": ";
        if (!f.problem.empty()) out << f.problem << "; ";
        out << f.commands << (f.commands == 1 ? " command hook" : " command hooks");
        if (f.commands > 0)
            out << (f.wrapped == f.commands ? ", all wrapped"
                     : f.wrapped == 0       ? ", none wrapped"
                                            : ", " + std::to_string(f.wrapped) + " wrapped");
        if (f.unreachable > 0)
            out << "; " << f.unreachable
                << " call hookwarden by a bare name or a missing path (the agent would skip them: run install again)";
        out << "\n";
    }
}

}  // namespace hookwarden::install
