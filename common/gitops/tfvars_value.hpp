// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Typed tfvars values: what a read returns and what an edit writes. A number keeps the exact
/// literal it was written with, so reading and writing back never changes its text.
namespace runnerfleet::tfvars {

/// The kinds of value a tfvars file can hold without evaluating anything.
enum class kind { null, boolean, number, string, list, object };

/// "null", "bool", "number", "string", "list", "object": for messages.
std::string_view to_string(kind k);

struct member;

/// One value; lists and objects nest. Accessors for another kind return an empty value rather
/// than throwing, so a caller checks type() first.
class value {
 public:
  /// null, the default: a variable left to its module default.
  value() = default;

  /// The null literal.
  static value null();
  /// true or false.
  static value boolean(bool b);
  /// An integer, written without a decimal point.
  static value integer(std::int64_t n);
  /// A finite double in its shortest round-trip form; NaN and infinities are refused by set().
  static value real(double d);
  /// A number given as its literal (e.g. "1.5e3"); set() refuses anything but a JSON-style number.
  static value number(std::string literal);
  /// A string; set() always writes it escaped, so its content is never interpreted.
  static value string(std::string s);
  /// A string as a parser read it, ${...} or %{...} sequences kept verbatim; set() refuses it,
  /// since writing it back escaped would change what it means.
  static value template_string(std::string raw);
  /// A list (a tuple in HCL terms).
  static value list(std::vector<value> items);
  /// An object (map) whose members keep their order.
  static value object(std::vector<member> members);

  /// Which kind this is.
  kind type() const { return kind_; }
  /// The boolean; false for other kinds.
  bool as_bool() const { return flag_ && kind_ == kind::boolean; }
  /// The decoded string, or a number's literal text; empty for other kinds.
  const std::string& text() const { return text_; }
  /// The number as a double; nullopt when not a number or out of range.
  std::optional<double> as_double() const;
  /// The number as an integer; nullopt when not a number, not integral or out of range.
  std::optional<std::int64_t> as_int() const;
  /// A list's items; empty for other kinds.
  const std::vector<value>& items() const { return items_; }
  /// An object's members in file order; empty for other kinds.
  const std::vector<member>& members() const { return members_; }
  /// An object member's value by key; nullptr when absent or not an object.
  const value* find(std::string_view key) const;

  /// True for a string read from a file whose ${...} or %{...} sequences were kept verbatim,
  /// not evaluated: text() then shows them as written and is not the value OpenTofu would use.
  bool templated() const { return templated_; }

  /// Same kind and content; numbers compare by literal, so 1 and 1.0 differ as they do in a diff.
  friend bool operator==(const value& a, const value& b);

 private:
  kind kind_ = kind::null;
  bool flag_ = false;
  bool templated_ = false;
  std::string text_;
  std::vector<value> items_;
  std::vector<member> members_;
};

/// An object member: the key and its value.
struct member {
  std::string key;
  value val;
  friend bool operator==(const member& a, const member& b) { return a.key == b.key && a.val == b.val; }
};

/// Where a value sits: a top-level key, then object keys or decimal list indexes,
/// e.g. {"extra_runner_sets", "gpu", "max_runners"} or {"runner_tags", "0"}.
using path = std::vector<std::string>;

/// A path as people read it: extra_runner_sets.gpu.max_runners.
std::string to_string(const path& p);

/// True when `literal` is a number both HCL and JSON accept: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
bool is_number_literal(std::string_view literal);

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view s);

/// The offset of the first byte that is not well-formed UTF-8; npos when all of it is.
std::size_t first_invalid_utf8(std::string_view s);

/// True when `key` can be written bare in HCL: a letter or _ then letters, digits, _ or -.
bool is_identifier(std::string_view key);

}  // namespace runnerfleet::tfvars
