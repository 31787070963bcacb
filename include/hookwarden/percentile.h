// The one percentile of the project: reports, status and the benchmark suite all quote
// latencies by it, so their numbers can be compared.
#pragma once

#include <vector>

namespace hookwarden {

// Nearest-rank percentile of already sorted values: the value at 1-based rank
// ceil(p/100 × n), so every reported percentile is a latency that was actually observed
// (no interpolation between two runs). `p` in (0, 100]; empty input gives 0.
// The rank is computed as ceil(p × n / 100) so that integral p (50, 95, …) never lands
// one rank off through a binary rounding of p/100.
double nearest_rank(const std::vector<double>& sorted, double p);

// The same of unsorted values (taken by value: they get sorted).
double percentile(std::vector<double> values, double p);

}  // namespace hookwarden
