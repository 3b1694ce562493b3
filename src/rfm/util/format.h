// Text for people: durations in progress lines, numbers and lists in messages.
#pragma once

#include <string>
#include <vector>

namespace rfm {

// "1h05m" from an hour up, "3m07s" below; "?" for a negative or non-finite time (an ETA not yet
// known).
std::string format_duration(double seconds);

// The shortest text that reads back to the same double: 0.0003 (not 0.00029999999999999997),
// 1e-07, 128, inf, nan.
std::string format_shortest(double value);

// The items with `separator` between them: join({"rfm", "sac"}, ", ") is "rfm, sac".
std::string join(const std::vector<std::string>& items, const std::string& separator);

}  // namespace rfm
