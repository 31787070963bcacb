// Claude Code behind the common adapter interface: its own degrade and merge (answer.cpp).
#include "agents/claude/claude.h"
#include "agents/claude/events.h"
#include "agents/claude/protocol.h"

namespace hookwarden::agents::claude {

namespace {

Answer degrade_run(const OnFailure& policy, const FailedRun& run) {
    return degrade(policy, run.event, run.hook, run.outcome, run.detail, run.stop_hook_active);
}

const Adapter kAdapter{Agent::claude,
                       "Claude Code",
                       ".claude/settings.json, .claude/settings.local.json, ~/.claude/settings.json",
                       "s",
                       600'000,
                       Execution::parallel,
                       false,
                       true,
                       events,
                       degrade_run,
                       merge};

}  // namespace

const Adapter& adapter() { return kAdapter; }

}  // namespace hookwarden::agents::claude
