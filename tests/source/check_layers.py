#!/usr/bin/env python3
"""The build graph, enforced: a module's sources include only the headers of the modules
it declares as dependencies in CMakeLists.txt (directly or through them), and no header
of src/ or include/ pulls in a heavy library header (nlohmann/json.hpp, spdlog, CLI11),
so that only the translation units that use one pay for compiling it.

usage: check_layers.py SOURCE_DIR   (exit 0 clean, 1 with one line per violation)
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
cmake = (root / "CMakeLists.txt").read_text()

# hookwarden_module(NAME DEPS hw_a hw_b ...): the graph as declared.
deps = {}
for name, rest in re.findall(r"^hookwarden_module\((\w+)(.*?)\)\s*$", cmake, re.M):
    deps[name] = [d[3:] for d in rest.split() if d.startswith("hw_") and d[3:] != name]
if not deps:
    sys.exit(f"{root}/CMakeLists.txt: no hookwarden_module(...) lines found")

def closure(module, seen=None):
    seen = set() if seen is None else seen
    for dep in deps.get(module, []):
        if dep not in seen:
            seen.add(dep)
            closure(dep, seen)
    return seen

HEAVY = ("nlohmann/json.hpp", "spdlog/", "CLI/")
include_re = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)
problems = []
for path in sorted((root / "src").rglob("*")):
    if path.suffix not in (".h", ".cpp"):
        continue
    rel = path.relative_to(root)
    module = rel.parts[1] if len(rel.parts) > 2 else None
    allowed = closure(module) | {module} if module else set()
    for kind, target in include_re.findall(path.read_text()):
        first = target.split("/")[0]
        if kind == '"' and first in deps and module and first not in allowed:
            problems.append(f"{rel}: includes \"{target}\", but module '{module}' does not depend on '{first}' "
                            f"(CMakeLists.txt: hookwarden_module({module} DEPS ...))")
        if path.suffix == ".h" and kind == "<" and target.startswith(HEAVY):
            problems.append(f"{rel}: header includes <{target}>; include it in the .cpp files that use it "
                            f"(or <nlohmann/json_fwd.hpp> for declarations)")
for path in sorted((root / "include").rglob("*.h")):
    for kind, target in include_re.findall(path.read_text()):
        if kind == "<" and target.startswith(HEAVY):
            problems.append(f"{path.relative_to(root)}: shared header includes <{target}>")
        if kind == '"' and target.split("/")[0] in deps:
            problems.append(f"{path.relative_to(root)}: shared header includes module header \"{target}\"")

for p in problems:
    print(p)
print(f"{len(deps)} modules, {len(problems)} violations")
sys.exit(1 if problems else 0)
