// The files install touches, read and written safely: every write is atomic, keeps the
// mode of the file it replaces and writes through a symlinked settings file (dotfile
// managers) to its target; a backup never replaces an earlier one.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "install/json_style.h"
#include "install/install.h"

namespace hookwarden::install {

std::string project_dir_of(const Options& options);
// Absolute and normalised (the install state's keys), or `path` itself when that fails.
std::string absolute(const std::string& path);

// FILE.hookwarden-backup-<UTC>, or -<UTC>-2, ...; "" with `error` set when it fails.
std::string write_backup(const std::string& path, const std::string& content, std::string& error);

// Writes `content` to `path` (creating its directory), then says "wrote WHAT PATH" on
// `out`. "" or "PATH: what went wrong".
std::string apply_write(const std::string& path, const std::string& content, std::ostream& out, const char* what);

// A backup of `before`, then `after` written to `path`: "" or what went wrong.
std::string write_with_backup(const std::string& path, const std::string& before, const std::string& after,
                              const char* what, std::ostream& out);

// A JSON object file that may be absent: exists=false then, and no error.
struct Loaded {
    bool exists = false;
    std::string text;
    // Set when `exists`. Held by pointer so that this header needs only json_fwd.hpp.
    std::shared_ptr<ojson> json;
    const ojson& value() const { return *json; }
    ojson& value() { return *json; }
};
// False after reporting on `err` a file that cannot be read, is not JSON or is not an
// object. `what` names it in messages ("a policy").
bool load_json_file(const std::string& path, const char* what, Loaded& out, std::ostream& err);

// The change to one file as a unified diff (`created`: the file does not exist yet).
void print_diff(std::ostream& out, const std::string& path, const std::string& before, const std::string& after,
                bool created);

}  // namespace hookwarden::install
