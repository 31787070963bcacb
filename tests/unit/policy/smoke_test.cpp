#include <gtest/gtest.h>
#include "policy/policy.h"
TEST(Smoke, Starter) {
    auto r = hookwarden::policy::load_string(hookwarden::policy::starter_policy_json(), "starter");
    for (auto& e : r.errors) ADD_FAILURE() << e.to_string();
    EXPECT_TRUE(r.policy);
}
