// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/unified_diff.hpp"

#include <dtl/dtl.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace runnerfleet::gitops {

namespace {

/// One line of the edit script: ' ' kept, '-' removed, '+' added, with the number of old and
/// new lines before it (what a hunk header counts from).
struct edit {
  char mark;
  std::string_view line;
  std::size_t old_before;
  std::size_t new_before;
};

/// The text's lines, each with its '\n' (the last one may lack it), so that "x" and "x\n"
/// differ as `diff` says they do.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size() - 1) + 1;
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return lines;
}

/// dtl's shortest edit script, with every run of changes written deletions first as `diff`
/// writes them (dtl puts additions first when the old text has fewer lines than the new).
std::vector<edit> edit_script(const std::vector<std::string_view>& old_lines,
                              const std::vector<std::string_view>& new_lines) {
  dtl::Diff<std::string, std::vector<std::string>> diff(
      std::vector<std::string>(old_lines.begin(), old_lines.end()),
      std::vector<std::string>(new_lines.begin(), new_lines.end()));
  diff.compose();

  std::vector<edit> script;
  std::size_t o = 0;
  std::size_t n = 0;
  std::size_t adds = 0;  // additions of the current run, emitted after its deletions
  auto flush_adds = [&] {
    for (std::size_t k = n - adds; k < n; ++k) script.push_back({'+', new_lines[k], o, k});
    adds = 0;
  };
  const auto ses = diff.getSes().getSequence();  // (line, {indexes, type}) pairs, by value
  for (const auto& element : ses) {
    const dtl::edit_t type = element.second.type;
    if (type == dtl::SES_ADD) {
      ++n;
      ++adds;
    } else if (type == dtl::SES_DELETE) {
      script.push_back({'-', old_lines[o], o, n - adds});
      ++o;
    } else {
      flush_adds();
      script.push_back({' ', old_lines[o], o, n});
      ++o;
      ++n;
    }
  }
  flush_adds();
  return script;
}

/// A hunk range as GNU diff writes it: "5" for one line, "4,0" (the line before) for none.
std::string range(std::size_t before, std::size_t count) {
  if (count == 0) return std::to_string(before) + ",0";
  if (count == 1) return std::to_string(before + 1);
  return std::to_string(before + 1) + "," + std::to_string(count);
}

/// Appends the hunk made of script[first, last).
void write_hunk(std::string& out, const std::vector<edit>& script, std::size_t first,
                std::size_t last) {
  std::size_t old_count = 0;
  std::size_t new_count = 0;
  for (std::size_t i = first; i < last; ++i) {
    old_count += script[i].mark != '+';
    new_count += script[i].mark != '-';
  }
  out += "@@ -" + range(script[first].old_before, old_count) + " +" +
         range(script[first].new_before, new_count) + " @@\n";
  for (std::size_t i = first; i < last; ++i) {
    out += script[i].mark;
    out += script[i].line;
    if (script[i].line.back() != '\n') out += "\n\\ No newline at end of file\n";
  }
}

}  // namespace

std::string unified_diff(std::string_view old_text, std::string_view new_text,
                         std::string_view old_label, std::string_view new_label, int context) {
  if (old_text == new_text) return {};
  const std::size_t ctx = static_cast<std::size_t>(std::max(context, 0));
  const std::vector<edit> script = edit_script(split_lines(old_text), split_lines(new_text));
  const auto changed = [&](std::size_t i) { return script[i].mark != ' '; };

  std::string out = "--- " + std::string(old_label) + "\n+++ " + std::string(new_label) + "\n";
  std::size_t i = 0;
  while (true) {
    while (i < script.size() && !changed(i)) ++i;
    if (i == script.size()) break;
    const std::size_t first = i - std::min(i, ctx);
    // Extend the hunk over every later change at most 2 * context unchanged lines away.
    std::size_t last_change = i;
    while (true) {
      while (last_change < script.size() && changed(last_change)) ++last_change;
      std::size_t next = last_change;
      while (next < script.size() && !changed(next)) ++next;
      if (next == script.size() || next - last_change > 2 * ctx) break;
      last_change = next;
    }
    i = std::min(script.size(), last_change + ctx);
    write_hunk(out, script, first, i);
  }
  return out;
}

}  // namespace runnerfleet::gitops
