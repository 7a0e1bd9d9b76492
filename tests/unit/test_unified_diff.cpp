// SPDX-License-Identifier: Apache-2.0
// unified_diff: hunks, ranges and markers exactly as GNU `diff -u` writes them (expected texts
// checked against diffutils 3.8); random pairs of texts give diffs that a small patch applier
// turns back into the new text, with every hunk header counting its own lines.
#include "common/gitops/unified_diff.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using runnerfleet::gitops::unified_diff;

namespace {

/// "line 1\n" … "line <n>\n".
std::string numbered(int n) {
  std::string text;
  for (int i = 1; i <= n; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

/// `text` with line `at` (1-based) replaced by `lines` (which may be empty or several lines).
std::string with(const std::string& text, int at, const std::string& lines) {
  std::size_t begin = 0;
  for (int i = 1; i < at; ++i) begin = text.find('\n', begin) + 1;
  return text.substr(0, begin) + lines + text.substr(text.find('\n', begin) + 1);
}

/// `text` with `lines` inserted after line `after` (0 = at the start).
std::string inserted(const std::string& text, int after, const std::string& lines) {
  std::size_t begin = 0;
  for (int i = 0; i < after; ++i) begin = text.find('\n', begin) + 1;
  return text.substr(0, begin) + lines + text.substr(begin);
}

const std::string header = "--- a/f\n+++ b/f\n";

std::string diff(const std::string& a, const std::string& b, int context = 3) {
  return unified_diff(a, b, "a/f", "b/f", context);
}

/// The diff's hunk header lines.
std::string hunk_headers(const std::string& patch) {
  std::string headers;
  for (std::size_t at = patch.find("\n@@ "); at != std::string::npos;
       at = patch.find("\n@@ ", at + 1))
    headers += patch.substr(at + 1, patch.find('\n', at + 1) - at);
  return headers;
}

/// Lines with their '\n' (the last may have none).
std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::size_t length = end == std::string_view::npos ? text.size() : end + 1;
    lines.emplace_back(text.substr(0, length));
    text.remove_prefix(length);
  }
  return lines;
}

/// Applies a unified diff to `old_text` as `patch` would, throwing when a context or removed
/// line does not match the old text or a hunk header's counts or start do not match its lines.
std::string apply_patch(std::string_view old_text, const std::string& patch) {
  if (patch.empty()) return std::string(old_text);
  const std::vector<std::string> old_lines = split_lines(old_text);
  std::vector<std::string> rows;  // the patch's lines without their '\n'
  for (std::string row : split_lines(patch)) {
    if (row.empty() || row.back() != '\n') throw std::runtime_error("patch line without newline");
    row.pop_back();
    rows.push_back(row);
  }
  if (rows.size() < 3 || rows[0] != "--- a/f" || rows[1] != "+++ b/f")
    throw std::runtime_error("bad file header");

  static const std::regex hunk_re(R"(@@ -(\d+)(,(\d+))? \+(\d+)(,(\d+))? @@)");
  std::string out;
  std::size_t used = 0;     // old lines consumed
  std::size_t written = 0;  // new lines written
  std::size_t r = 2;
  while (r < rows.size()) {
    std::smatch m;
    if (!std::regex_match(rows[r], m, hunk_re)) throw std::runtime_error("bad hunk header");
    const std::size_t a = std::stoul(m[1]), b = m[3].matched ? std::stoul(m[3]) : 1;
    const std::size_t c = std::stoul(m[4]), d = m[6].matched ? std::stoul(m[6]) : 1;
    if ((b == 1 && m[3].matched) || (d == 1 && m[6].matched)) throw std::runtime_error("wrote ,1");
    const std::size_t old_before = b == 0 ? a : a - 1;
    if (old_before < used || old_before > old_lines.size()) throw std::runtime_error("bad start");
    for (; used < old_before; ++used, ++written) out += old_lines[used];
    if ((d == 0 ? c : c - 1) != written) throw std::runtime_error("new start mismatch");

    std::size_t old_count = 0, new_count = 0;
    for (++r; r < rows.size() && rows[r].rfind("@@", 0) != 0; ++r) {
      const char mark = rows[r][0];
      std::string line = rows[r].substr(1) + "\n";
      if (r + 1 < rows.size() && rows[r + 1] == "\\ No newline at end of file") {
        line.pop_back();
        ++r;
      }
      if (mark != ' ' && mark != '-' && mark != '+') throw std::runtime_error("bad mark");
      if (mark != '+') {
        if (used >= old_lines.size() || old_lines[used] != line)
          throw std::runtime_error("old line mismatch");
        ++used, ++old_count;
      }
      if (mark != '-') out += line, ++written, ++new_count;
    }
    if (old_count != b || new_count != d) throw std::runtime_error("hunk counts mismatch");
  }
  for (; used < old_lines.size(); ++used) out += old_lines[used];
  return out;
}

}  // namespace

TEST_CASE("Equal texts give no diff", "[diff]") {
  CHECK(diff("", "") == "");
  CHECK(diff(numbered(20), numbered(20)) == "");
  CHECK(diff("no newline", "no newline") == "");
}

TEST_CASE("One changed line gets three lines of context each side", "[diff]") {
  const std::string old_text = numbered(20);
  const std::string new_text = with(old_text, 10, "LINE 10\n");
  CHECK(diff(old_text, new_text) == header +
                                        "@@ -7,7 +7,7 @@\n"
                                        " line 7\n"
                                        " line 8\n"
                                        " line 9\n"
                                        "-line 10\n"
                                        "+LINE 10\n"
                                        " line 11\n"
                                        " line 12\n"
                                        " line 13\n");
  CHECK(unified_diff(old_text, new_text, "old", "new", 1) ==
        "--- old\n+++ new\n@@ -9,3 +9,3 @@\n line 9\n-line 10\n+LINE 10\n line 11\n");
}

TEST_CASE("Changes at most 2 * context lines apart share a hunk", "[diff]") {
  const std::string old_text = numbered(20);

  SECTION("5 lines apart: one hunk") {
    const std::string new_text = with(with(old_text, 6, "SIX\n"), 11, "ELEVEN\n");
    CHECK(diff(old_text, new_text) == header +
                                          "@@ -3,12 +3,12 @@\n"
                                          " line 3\n line 4\n line 5\n"
                                          "-line 6\n+SIX\n"
                                          " line 7\n line 8\n line 9\n line 10\n"
                                          "-line 11\n+ELEVEN\n"
                                          " line 12\n line 13\n line 14\n");
  }
  SECTION("10 lines apart: two hunks") {
    const std::string new_text = with(with(old_text, 5, "FIVE\n"), 15, "FIFTEEN\n");
    CHECK(diff(old_text, new_text) == header +
                                          "@@ -2,7 +2,7 @@\n"
                                          " line 2\n line 3\n line 4\n"
                                          "-line 5\n+FIVE\n"
                                          " line 6\n line 7\n line 8\n"
                                          "@@ -12,7 +12,7 @@\n"
                                          " line 12\n line 13\n line 14\n"
                                          "-line 15\n+FIFTEEN\n"
                                          " line 16\n line 17\n line 18\n");
  }
  SECTION("the boundary: 6 unchanged lines between merge, 7 do not") {
    const std::string six = with(with(old_text, 5, "x\n"), 12, "y\n");
    CHECK(hunk_headers(diff(old_text, six)) == "@@ -2,14 +2,14 @@\n");
    const std::string seven = with(with(old_text, 5, "x\n"), 13, "y\n");
    CHECK(hunk_headers(diff(old_text, seven)) == "@@ -2,7 +2,7 @@\n@@ -10,7 +10,7 @@\n");
  }
  SECTION("with no context only adjacent changes merge") {
    const std::string new_text = with(with(old_text, 5, "x\n"), 7, "y\n");
    CHECK(diff(old_text, new_text, 0) ==
          header + "@@ -5 +5 @@\n-line 5\n+x\n@@ -7 +7 @@\n-line 7\n+y\n");
  }
}

TEST_CASE("Context is clipped at the first and last lines", "[diff]") {
  const std::string old_text = numbered(20);
  const std::string new_text = with(with(old_text, 1, "first\n"), 20, "last\n");
  CHECK(diff(old_text, new_text) == header +
                                        "@@ -1,4 +1,4 @@\n"
                                        "-line 1\n+first\n"
                                        " line 2\n line 3\n line 4\n"
                                        "@@ -17,4 +17,4 @@\n"
                                        " line 17\n line 18\n line 19\n"
                                        "-line 20\n+last\n");
  CHECK(diff("x\n", "y\n") == header + "@@ -1 +1 @@\n-x\n+y\n");
}

TEST_CASE("Insertions and deletions count only their side", "[diff]") {
  const std::string old_text = numbered(20);

  SECTION("insertion") {
    const std::string new_text = inserted(old_text, 10, "new a\nnew b\n");
    CHECK(diff(old_text, new_text) == header +
                                          "@@ -8,6 +8,8 @@\n"
                                          " line 8\n line 9\n line 10\n"
                                          "+new a\n+new b\n"
                                          " line 11\n line 12\n line 13\n");
    // An empty side names the line before the hunk.
    CHECK(diff(old_text, new_text, 0) == header + "@@ -10,0 +11,2 @@\n+new a\n+new b\n");
    CHECK(diff(old_text, inserted(old_text, 0, "top\n"), 0) == header + "@@ -0,0 +1 @@\n+top\n");
  }
  SECTION("deletion") {
    const std::string new_text = with(with(old_text, 11, ""), 10, "");
    CHECK(diff(old_text, new_text) == header +
                                          "@@ -7,8 +7,6 @@\n"
                                          " line 7\n line 8\n line 9\n"
                                          "-line 10\n-line 11\n"
                                          " line 12\n line 13\n line 14\n");
    CHECK(diff(old_text, new_text, 0) == header + "@@ -10,2 +9,0 @@\n-line 10\n-line 11\n");
  }
  SECTION("a replaced run lists its deletions first") {
    CHECK(diff("a\nb\nc\n", "x\ny\n") == header + "@@ -1,3 +1,2 @@\n-a\n-b\n-c\n+x\n+y\n");
    CHECK(diff("a\nb\n", "x\ny\nz\n") == header + "@@ -1,2 +1,3 @@\n-a\n-b\n+x\n+y\n+z\n");
  }
}

TEST_CASE("An empty text is all additions or all deletions", "[diff]") {
  CHECK(diff("", "a\nb\n") == header + "@@ -0,0 +1,2 @@\n+a\n+b\n");
  CHECK(diff("a\nb\n", "") == header + "@@ -1,2 +0,0 @@\n-a\n-b\n");
  CHECK(diff("", "a\n") == header + "@@ -0,0 +1 @@\n+a\n");
}

TEST_CASE("A missing final newline is marked after the last line", "[diff]") {
  const std::string marker = "\\ No newline at end of file\n";
  SECTION("only the old side lacks it") {
    CHECK(diff("a\nb\nc", "a\nb\nc\n") ==
          header + "@@ -1,3 +1,3 @@\n a\n b\n-c\n" + marker + "+c\n");
  }
  SECTION("only the new side lacks it") {
    CHECK(diff("a\nb\n", "a\nB") == header + "@@ -1,2 +1,2 @@\n a\n-b\n+B\n" + marker);
  }
  SECTION("both lack it and the last line is context") {
    CHECK(diff("a\nb\nc", "A\nb\nc") == header + "@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n" + marker);
  }
  SECTION("both lack it on different last lines") {
    CHECK(diff("a", "b") == header + "@@ -1 +1 @@\n-a\n" + marker + "+b\n" + marker);
  }
  SECTION("no marker when the last line is outside every hunk") {
    const std::string old_text = numbered(20) + "end";
    CHECK(diff(old_text, with(old_text, 1, "one\n")) ==
          header + "@@ -1,4 +1,4 @@\n-line 1\n+one\n line 2\n line 3\n line 4\n");
  }
}

TEST_CASE("CRLF line endings stay part of the lines", "[diff]") {
  CHECK(diff("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n") ==
        header + "@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n");
  // Only the line ending differs: the lines differ.
  CHECK(diff("a\nb\n", "a\nb\r\n") == header + "@@ -1,2 +1,2 @@\n a\n-b\n+b\r\n");
  CHECK(diff("a\r\n", "a\r") == header + "@@ -1 +1 @@\n-a\r\n+a\r\n\\ No newline at end of file\n");
}

TEST_CASE("Random diffs apply back to the new text with consistent hunk headers", "[diff]") {
  std::mt19937 rng(20240611);
  const std::vector<std::string> alphabet = {"a\n", "b\n", "c\n", "\n", "a\r\n"};
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto random_text = [&] {
    std::string text;
    for (std::size_t n = pick(12); n > 0; --n) text += alphabet[pick(alphabet.size())];
    if (!text.empty() && pick(4) == 0) text.pop_back();  // no final newline
    return text;
  };
  auto mutated = [&](std::string text) {  // a few line-level edits keep long common runs
    for (std::size_t edits = pick(4); edits > 0; --edits) {
      std::vector<std::string> lines = split_lines(text);
      const std::size_t at = pick(lines.size() + 1);
      if (pick(2) == 0 && at < lines.size())
        lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(at));
      else
        lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at),
                     alphabet[pick(alphabet.size())]);
      text.clear();
      for (const std::string& line : lines) text += line;
    }
    return text;
  };

  for (int i = 0; i < 200; ++i) {
    const std::string old_text = random_text();
    const std::string new_text = pick(2) == 0 ? random_text() : mutated(old_text);
    const int context = static_cast<int>(pick(4));
    const std::string patch = diff(old_text, new_text, context);
    INFO("old: " << old_text << "\nnew: " << new_text << "\ncontext " << context << "\n" << patch);
    CHECK((patch.empty() == (old_text == new_text)));
    CHECK(apply_patch(old_text, patch) == new_text);
  }
}
