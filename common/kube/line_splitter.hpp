// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace runnerfleet::kube {

/// Cuts a byte stream into lines (a watch stream: one JSON object per line, lines may span
/// chunks). A line longer than the cap is an error, not unbounded memory.
class line_splitter {
 public:
  explicit line_splitter(std::size_t max_line) : max_line_(max_line) {}

  /// Feeds bytes; calls on_line(std::string_view) for each complete non-empty line.
  /// Returns false when a line exceeded the cap (the stream should be dropped).
  template <class OnLine>
  bool feed(std::string_view data, OnLine&& on_line) {
    while (!data.empty()) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(data);
        return partial_.size() <= max_line_;
      }
      partial_.append(data.substr(0, nl));
      data.remove_prefix(nl + 1);
      if (partial_.size() > max_line_) return false;
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      if (!partial_.empty()) on_line(std::string_view(partial_));
      partial_.clear();
    }
    return true;
  }

  /// Bytes of an unfinished line still held.
  std::size_t pending() const { return partial_.size(); }

 private:
  std::size_t max_line_;
  std::string partial_;
};

}  // namespace runnerfleet::kube
