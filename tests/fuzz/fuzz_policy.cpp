// Policy loading on arbitrary text: a policy may be written by anyone who can write the
// repository a hook runs in. Never a crash; a policy either loads or says why not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto loaded = hookwarden::policy::load_string(text, "fuzz.json");
    if (!loaded.policy && loaded.errors.empty()) std::abort();  // refused without a reason
    if (loaded.policy) {
        for (const auto& hook : loaded.policy->hooks) hookwarden::policy::resolve(&*loaded.policy, hook.name, hook.event, {});
        hookwarden::policy::resolve(&*loaded.policy, "unknown", "PreToolUse", {});
    }
    return 0;
}
