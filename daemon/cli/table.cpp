// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/table.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>

namespace runnerfleet::cli {

bool use_color(bool stdout_is_tty, bool no_color_flag, const char* no_color_env) {
  return stdout_is_tty && !no_color_flag && !(no_color_env && *no_color_env);
}

std::string paint(const std::string& text, tone t, bool color) {
  if (!color || t == tone::plain) return text;
  const char* code = t == tone::good ? "32" : t == tone::warn ? "33" : t == tone::bad ? "31" : "2";
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

tone tone_of(const std::string& word) {
  if (word == "online" || word == "ok" || word == "Running" || word == "info") return tone::good;
  if (word == "degraded" || word == "draining" || word == "paused" || word == "warning" || word == "Pending" ||
      word == "unknown")
    return tone::warn;
  if (word == "offline" || word == "down" || word == "error" || word == "Failed") return tone::bad;
  if (word == "idle" || word == "not_configured" || word == "-") return tone::dim;
  return tone::plain;
}

std::size_t display_width(const std::string& text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string truncate(const std::string& text, std::size_t width) {
  if (display_width(text) <= width) return text;
  if (width == 0) return {};
  std::string out;
  std::size_t cols = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (cols + 1 >= width) break;
      ++cols;
    }
    out.push_back(text[i]);
  }
  return out + "…";
}

std::size_t terminal_width() {
  if (const char* columns = std::getenv("COLUMNS")) {
    int n = std::atoi(columns);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  winsize ws{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

table::table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void table::add(std::vector<std::string> cells, std::vector<tone> tones) {
  cells.resize(headers_.size());
  tones.resize(headers_.size(), tone::plain);
  rows_.push_back(std::move(cells));
  tones_.push_back(std::move(tones));
}

std::string table::render(std::size_t width, bool color) const {
  const std::size_t gap = 2;
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = display_width(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto total = [&] { return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) + gap * (widths.size() - 1); };
  // Shrink the widest column until the table fits (each column keeps at least 4 columns).
  while (width > 0 && total() > width) {
    auto widest = std::max_element(widths.begin(), widths.end());
    if (*widest <= 4) break;
    *widest -= std::min(*widest - 4, total() - width);
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells, const std::vector<tone>* tones) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string cell = truncate(cells[c], widths[c]);
      std::size_t pad = widths[c] - display_width(cell);
      line += paint(cell, tones ? (*tones)[c] : tone::plain, color);
      if (c + 1 < cells.size()) line += std::string(pad + gap, ' ');
    }
    out += line + "\n";
  };
  emit(headers_, nullptr);
  for (std::size_t r = 0; r < rows_.size(); ++r) emit(rows_[r], &tones_[r]);
  return out;
}

}  // namespace runnerfleet::cli
