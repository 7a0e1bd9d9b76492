// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace runnerfleet::cli {

/// ANSI styles used for status words; empty when colour is off.
enum class tone { plain, good, warn, bad, dim };

/// Whether to colour: only on a terminal, never with NO_COLOR or --no-color.
bool use_color(bool stdout_is_tty, bool no_color_flag, const char* no_color_env);

/// Wraps text in the tone's ANSI codes when `color` is on.
std::string paint(const std::string& text, tone t, bool color);

/// The tone of a status or severity word (online → good, degraded → warn, offline → bad ...).
tone tone_of(const std::string& word);

/// An aligned text table that fits a terminal width: the widest column is truncated with an
/// ellipsis when needed; cells are never wrapped.
class table {
 public:
  explicit table(std::vector<std::string> headers);
  /// Adds a row; `tones` (optional, per cell) colour the cells.
  void add(std::vector<std::string> cells, std::vector<tone> tones = {});
  /// Renders for `width` columns (0 = unlimited).
  std::string render(std::size_t width, bool color) const;
  std::size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::vector<tone>> tones_;
};

/// Display width of UTF-8 text (code points; enough for our ASCII-plus-arrows output).
std::size_t display_width(const std::string& text);

/// Cuts text to `width` display columns, ending with "…" when cut.
std::string truncate(const std::string& text, std::size_t width);

/// The terminal width: COLUMNS, else the tty's, else 0 (unlimited, e.g. a pipe).
std::size_t terminal_width();

}  // namespace runnerfleet::cli
