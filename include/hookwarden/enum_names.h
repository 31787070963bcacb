// An enum's names as one table of {value, name} pairs, looked up both ways, so that the
// names on the wire are written once per enum.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace hookwarden {

template <typename Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, const char*>, N>;

template <typename Enum, std::size_t N>
const char* name_in(const EnumNames<Enum, N>& names, Enum value, const char* otherwise) {
    for (const auto& [v, name] : names)
        if (v == value) return name;
    return otherwise;
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_in(const EnumNames<Enum, N>& names, const std::string& text) {
    for (const auto& [v, name] : names)
        if (text == name) return v;
    return std::nullopt;
}

}  // namespace hookwarden
