#include "hookwarden/percentile.h"

#include <algorithm>
#include <cmath>

namespace hookwarden {

double nearest_rank(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto n = static_cast<double>(sorted.size());
    double rank = std::ceil(p * n / 100.0);
    rank = std::clamp(rank, 1.0, n);
    return sorted[static_cast<std::size_t>(rank) - 1];
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return nearest_rank(values, p);
}

}  // namespace hookwarden
