// Human-readable durations for progress lines (rfm train, rfm sweep).
#pragma once

#include <string>

namespace rfm {

// "1h05m" from an hour up, "3m07s" below; "?" for a negative or non-finite time (an ETA not yet
// known).
std::string format_duration(double seconds);

}  // namespace rfm
