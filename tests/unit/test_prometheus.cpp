// SPDX-License-Identifier: Apache-2.0
// Prometheus: safe PromQL text (quoting, regex escaping), query windows, the exact queries sent,
// reply decoding and its error mapping, histogram quantiles (checked against a port of
// Prometheus's bucketQuantile), the prometheus: config section, and the fleet metrics summary
// with its SLO judgements.
#include "common/config.hpp"
#include "common/fleet_metrics.hpp"
#include "common/prometheus/histogram.hpp"
#include "common/prometheus/promql.hpp"
#include "common/prometheus/queries.hpp"
#include "common/prometheus/result.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace runnerfleet;
using namespace std::chrono_literals;
using promql::batch_id;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// A PromQL double-quoted string literal decoder with Go's escapes (what Prometheus's lexer and
// strconv.Unquote accept): \a \b \f \n \r \t \v \\ \" \xHH \ooo \uHHHH \UHHHHHHHH. A raw quote or
// newline inside the literal, an unknown escape or a truncated one makes it invalid.

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::optional<std::string> decode(std::string_view lit) {
  if (lit.size() < 2 || lit.front() != '"' || lit.back() != '"') return std::nullopt;
  const std::size_t end = lit.size() - 1;  // the closing quote
  std::string out;
  auto digits = [&](std::size_t& i, int n, int base) -> std::optional<unsigned long> {
    if (i + static_cast<std::size_t>(n) >= end) return std::nullopt;
    unsigned long v = 0;
    for (int k = 0; k < n; ++k) {
      int d = hex_value(lit[++i]);
      if (d < 0 || d >= base) return std::nullopt;
      v = v * static_cast<unsigned long>(base) + static_cast<unsigned long>(d);
    }
    return v;
  };
  for (std::size_t i = 1; i < end; ++i) {
    char c = lit[i];
    if (c == '"' || c == '\n') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= end) return std::nullopt;
    switch (char e = lit[i]) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': {
        auto v = digits(i, 2, 16);
        if (!v) return std::nullopt;
        out += static_cast<char>(*v);
        break;
      }
      case 'u':
      case 'U': {
        auto v = digits(i, e == 'u' ? 4 : 8, 16);
        if (!v || *v > 0x10ffff) return std::nullopt;
        append_utf8(out, *v);
        break;
      }
      default: {
        if (e < '0' || e > '7') return std::nullopt;
        --i;
        auto v = digits(i, 3, 8);
        if (!v || *v > 255) return std::nullopt;
        out += static_cast<char>(*v);
      }
    }
  }
  return out;
}

/// The query with every string literal replaced by "S", and the decoded literals in order: two
/// queries built from different values must have the same skeleton, or a value escaped its
/// literal. An undecodable literal makes the skeleton "<invalid>".
struct skeleton {
  std::string text;
  std::vector<std::string> literals;
};

skeleton skeleton_of(std::string_view query) {
  skeleton out;
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (query[i] != '"') {
      out.text += query[i];
      continue;
    }
    std::size_t j = i + 1;
    while (j < query.size() && query[j] != '"') j += query[j] == '\\' ? 2 : 1;
    if (j >= query.size()) return {"<invalid>", {}};
    auto lit = decode(query.substr(i, j - i + 1));
    if (!lit) return {"<invalid>", {}};
    out.literals.push_back(*lit);
    out.text += "\"S\"";
    i = j;
  }
  return out;
}

/// Values that try to break out of a string literal or widen a regex.
const std::vector<std::string>& hostile_values() {
  static const std::vector<std::string> all = {
      "",
      "docker-runner",
      R"(x"} or vector(1) or {a=")",
      R"(x\"} or vector(1) or {a=\")",
      "\"",
      "\\",
      "\\\"",
      "\"\\",
      "a\\",
      "trailing backslash \\",
      "line\nbreak",
      "cr\rand\ttab",
      R"(.*+?()[]{}|^$\)",
      ".*",
      "a|b",
      "(?:x)",
      "[a-z]+",
      "^anchored$",
      "x{2,3}",
      "\\d\\w\\s",
      R"(pod"}[5m])) or sum(up{job=")",
      "`backtick` 'single'",
      "\x01\x02\x1b[31m\x7f",
      "ünïcödé-runner",
  };
  return all;
}

/// Every byte 0x01..0x7f alone and all together.
std::vector<std::string> all_ascii_values() {
  std::vector<std::string> out;
  std::string all;
  for (int c = 1; c <= 0x7f; ++c) {
    out.emplace_back(1, static_cast<char>(c));
    all += static_cast<char>(c);
  }
  out.push_back(all);
  return out;
}

/// Strings that differ from `x` but that an unescaped pattern built from `x` could match.
std::vector<std::string> variants_of(const std::string& x) {
  std::vector<std::string> out = {x + "a", "a" + x, x + x, x + "\n", ""};
  for (std::size_t i = 0; i < x.size(); ++i) {
    out.push_back(x.substr(0, i) + x.substr(i + 1));  // one character dropped
    for (char c : {'a', 'Z', '0', '-'}) {
      auto v = x;
      v[i] = c;
      out.push_back(v);
    }
    for (std::size_t len = 1; i + len <= x.size(); ++len) out.push_back(x.substr(i, len));  // substrings
  }
  out.erase(std::remove(out.begin(), out.end(), x), out.end());
  return out;
}

bool full_match(const std::string& pattern, const std::string& text) {
  return std::regex_match(text, std::regex(pattern, std::regex::ECMAScript));
}

// ---------------------------------------------------------------------------------------------
// Prometheus 2.42's bucketQuantile (promql/quantile.go), ported literally, NaN and ±Inf included.

double prometheus_bucket_quantile(double q, std::vector<promql::bucket> buckets) {
  if (std::isnan(q)) return not_a_number;
  if (q < 0) return -inf;
  if (q > 1) return inf;
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const promql::bucket& a, const promql::bucket& b) { return a.upper_bound < b.upper_bound; });
  if (buckets.empty() || !std::isinf(buckets.back().upper_bound)) return not_a_number;
  // coalesceBuckets
  std::vector<promql::bucket> merged;
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) merged.back().count += b.count;
    else merged.push_back(b);
  }
  buckets = merged;
  // ensureMonotonic
  double max = buckets[0].count;
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].count > max) max = buckets[i].count;
    else if (buckets[i].count < max) buckets[i].count = max;
  }
  if (buckets.size() < 2) return not_a_number;
  double observations = buckets.back().count;
  if (observations == 0) return not_a_number;
  double rank = q * observations;
  std::size_t b = 0;  // sort.Search over all but the last bucket
  while (b < buckets.size() - 1 && !(buckets[b].count >= rank)) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double start = 0, end = buckets[b].upper_bound, count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

/// What the daemon should say for Prometheus's answer: nullopt where it is NaN or infinite.
std::optional<double> expected_quantile(double q, const std::vector<promql::bucket>& buckets) {
  double v = prometheus_bucket_quantile(q, buckets);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

/// An optional as a double, NaN when absent (so a CHECK against Approx fails visibly).
double val(std::optional<double> v) { return v.value_or(not_a_number); }

// ---------------------------------------------------------------------------------------------
// Fleet fixtures.

time_point t0() { return *parse_rfc3339("2026-11-22T10:00:00Z"); }

promql::series ser(promql::labels labels, std::optional<double> value) {
  promql::series s;
  s.labels = std::move(labels);
  s.points.push_back({1795345136.5, value});
  return s;
}

promql::series pod_series(const std::string& ns, const std::string& pod, std::optional<double> value,
                          promql::labels extra = {}) {
  extra.emplace("namespace", ns);
  extra.emplace("pod", pod);
  return ser(std::move(extra), value);
}

promql::query_result vec(std::vector<promql::series> data) {
  promql::query_result r;
  r.type = "vector";
  r.data = std::move(data);
  return r;
}

runner_view runner(const std::string& forge, const std::string& ns, const std::string& name,
                   std::vector<std::string> pods = {}) {
  runner_view r;
  r.name = name;
  r.forge = forge;
  r.cluster = "prod";
  r.ns = ns;
  r.type = forge == "gitlab" ? "docker" : "nix";
  r.status = "online";
  r.pod_names = std::move(pods);
  return r;
}

const runner_metrics* find_runner(const fleet_metrics& m, const std::string& name) {
  for (const auto& r : m.runners)
    if (r.name == name) return &r;
  return nullptr;
}

const slo_result* find_slo(const fleet_metrics& m, const std::string& subject, const std::string& objective) {
  for (const auto& r : m.slo)
    if ((r.runner.empty() ? r.forge : r.runner) == subject && r.objective == objective) return &r;
  return nullptr;
}

std::string config_error(const std::string& yaml) {
  auto cfg = parse_config(yaml, "cfg.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(cfg.failure().code == error_code::invalid_argument);
  return cfg.failure().message;
}

promql::scope fleet_scope() {
  promql::scope s;
  s.namespaces = {"gitlab-runners", "arc-runners"};
  return s;
}

}  // namespace

// =============================================================================================
// 1. Escaping

TEST_CASE("the test's PromQL string decoder accepts Go escapes and rejects broken literals", "[prometheus]") {
  CHECK(decode(R"("abc")") == "abc");
  CHECK(decode(R"q("a\"b\\c\n\t\x41\101\u00e9")q") == "a\"b\\c\n\tAA\xc3\xa9");
  CHECK_FALSE(decode(R"("a"b")"));      // raw quote inside
  CHECK_FALSE(decode("\"a\nb\""));       // raw newline inside
  CHECK_FALSE(decode(R"("a\")"));        // the closing quote escaped
  CHECK_FALSE(decode(R"("\q")"));        // unknown escape
  CHECK_FALSE(decode(R"("\x4")"));       // truncated hex
  CHECK_FALSE(decode(R"("\400")"));      // octal above 255
  CHECK_FALSE(decode("abc"));
  CHECK(skeleton_of(R"q(up{a="x\"y",b="z"})q").text == R"q(up{a="S",b="S"})q");
  CHECK(skeleton_of(R"q(up{a="x"y"})q").text != R"q(up{a="S"})q");
}

TEST_CASE("quote writes exact PromQL string literals", "[prometheus]") {
  using promql::quote;
  CHECK(quote("") == R"("")");
  CHECK(quote("docker-runner") == R"("docker-runner")");
  CHECK(quote(R"(x"} or vector(1) or {a=")") == R"q("x\"} or vector(1) or {a=\"")q");
  CHECK(quote(R"(a\b)") == R"("a\\b")");
  CHECK(quote(R"(\")") == R"("\\\"")");
  CHECK(quote("a\nb\rc\td") == R"("a\nb\rc\td")");
  CHECK(quote(std::string_view("\0", 1)) == R"("\x00")");
  CHECK(quote("\x01") == R"("\x01")");
  CHECK(quote("\x1b[0m") == R"("\x1b[0m")");
  CHECK(quote("\x1f") == R"("\x1f")");
  CHECK(quote(" ~\x7f") == "\" ~\x7f\"");  // printable ASCII and DEL pass as they are
  CHECK(quote(R"(.*+?()[]{}|^$)") == R"q(".*+?()[]{}|^$")q");  // no regex meaning in a plain string
  CHECK(quote("ünï") == "\"ünï\"");
}

TEST_CASE("quote round-trips every byte 0x01..0x7f and every hostile value", "[prometheus]") {
  auto values = all_ascii_values();
  values.insert(values.end(), hostile_values().begin(), hostile_values().end());
  values.emplace_back(std::string_view("nul\0inside", 10));
  for (const auto& v : values) {
    auto q = promql::quote(v);
    INFO("value: " << promql::quote(v));
    CHECK(q.find('\n') == std::string::npos);
    CHECK(decode(q) == v);
    // The only unescaped quotes are the delimiters: the literal ends where it should.
    auto sk = skeleton_of("x{a=" + q + "}");
    CHECK(sk.text == R"(x{a="S"})");
    REQUIRE(sk.literals.size() == 1);
    CHECK(sk.literals[0] == v);
  }
}

TEST_CASE("regex_escape writes an exact escaped pattern", "[prometheus]") {
  using promql::regex_escape;
  CHECK(regex_escape(R"(.*+?()[]{}|^$\)") == R"(\.\*\+\?\(\)\[\]\{\}\|\^\$\\)");
  CHECK(regex_escape("docker-runner_01") == "docker-runner_01");
  CHECK(regex_escape("a.b") == R"(a\.b)");
  CHECK(regex_escape(R"(x"})") == R"(x"\})");  // the quote is quote()'s business, not the regex's
  CHECK(regex_escape("") == "");
  // Every metacharacter alone, and nothing else in 0x01..0x7f, gets a backslash.
  const std::string meta = R"(\.+*?()|[]{}^$)";
  for (int c = 1; c <= 0x7f; ++c) {
    std::string one(1, static_cast<char>(c));
    INFO("byte " << c);
    CHECK(regex_escape(one) == (meta.find(static_cast<char>(c)) != std::string::npos ? "\\" + one : one));
  }
}

TEST_CASE("an escaped pattern matches exactly its value and no variant", "[prometheus]") {
  auto values = hostile_values();
  for (char c : std::string(R"(.*+?()[]{}|^$\)")) values.emplace_back(1, c);
  values.emplace_back("a.c");
  values.emplace_back("ab+");
  values.emplace_back("(a|b)");
  values.emplace_back("a{2}");
  values.emplace_back("[ab]");
  values.emplace_back("a?");
  values.emplace_back("^$");
  for (const auto& v : values) {
    if (v.find('\0') != std::string::npos) continue;
    auto pattern = promql::regex_escape(v);
    INFO("value: " << promql::quote(v) << " pattern: " << pattern);
    std::regex re;
    REQUIRE_NOTHROW(re.assign(pattern, std::regex::ECMAScript));
    CHECK(std::regex_match(v, re));
    for (const auto& other : variants_of(v)) {
      INFO("variant: " << promql::quote(other));
      CHECK_FALSE(std::regex_match(other, re));
    }
    // Through a matcher as Prometheus reads it: the literal decodes to the same pattern.
    auto m = promql::matches("pod", pattern);
    REQUIRE(m.rfind("pod=~", 0) == 0);
    CHECK(decode(m.substr(5)) == pattern);
  }
  // The metacharacters really are special unescaped (so the check above can fail).
  CHECK(full_match("a.c", "abc"));
  CHECK(full_match("ab+", "abbb"));
  CHECK(full_match("(a|b)", "a"));
}

TEST_CASE("equals, matches and one_of write exact matchers", "[prometheus]") {
  using promql::equals;
  using promql::matches;
  using promql::one_of;
  CHECK(equals("runner", "docker") == R"(runner="docker")");
  CHECK(equals("runner", R"(x"} or vector(1) or {a=")") == R"q(runner="x\"} or vector(1) or {a=\"")q");
  CHECK(equals("pod", "a\\b\nc") == R"(pod="a\\b\nc")");
  CHECK(matches("pod", "docker-[a-z0-9]+") == R"(pod=~"docker-[a-z0-9]+")");
  CHECK(matches("pod", R"(a\.b)") == R"(pod=~"a\\.b")");
  CHECK(one_of("namespace", {"gitlab-runners", "arc-runners"}) == R"q(namespace=~"(?:gitlab-runners|arc-runners)")q");
  CHECK(one_of("namespace", {"ci"}) == R"q(namespace=~"(?:ci)")q");
  CHECK(one_of("pod", {"a.b", "c|d"}) == R"q(pod=~"(?:a\\.b|c\\|d)")q");
  CHECK(one_of("pod", {R"(x"y)", R"(z\)"}) == R"q(pod=~"(?:x\"y|z\\\\)")q");
  CHECK(one_of("pod", {}) == R"q(pod=~"(?:)")q");

  // Semantics of one_of: each value exactly, nothing in between or around.
  auto m = one_of("pod", {"a.b", "c|d", "(x)", "y*"});
  auto pattern = decode(m.substr(5));
  REQUIRE(pattern);
  for (const auto* yes : {"a.b", "c|d", "(x)", "y*"}) CHECK(full_match(*pattern, yes));
  for (const auto* no : {"axb", "c", "d", "x", "yyy", "", "a.bc|d", "a.b|c|d", "y"}) {
    INFO(no);
    CHECK_FALSE(full_match(*pattern, no));
  }
}

// =============================================================================================
// 2. Windows and durations

TEST_CASE("query windows, their steps and rate ranges", "[prometheus]") {
  const auto& w = promql::windows();
  REQUIRE(w.size() == 4);
  CHECK(w[0].name == "1h");
  CHECK(w[0].span == 1h);
  CHECK(w[0].step == 30s);
  CHECK(w[0].rate_range == 2min);
  CHECK(w[1].name == "6h");
  CHECK(w[1].span == 6h);
  CHECK(w[1].step == 2min);
  CHECK(w[1].rate_range == 5min);
  CHECK(w[2].name == "24h");
  CHECK(w[2].span == 24h);
  CHECK(w[2].step == 5min);
  CHECK(w[2].rate_range == 10min);
  CHECK(w[3].name == "7d");
  CHECK(w[3].span == 168h);
  CHECK(w[3].step == 30min);
  CHECK(w[3].rate_range == 1h);
  for (std::size_t i = 0; i < w.size(); ++i) {
    INFO(w[i].name);
    // Prometheus refuses more than 11,000 points per series: (end - start) / step + 1.
    CHECK(w[i].span / w[i].step + 1 <= 11000);
    CHECK(w[i].span % w[i].step == 0s);
    // A rate() range of at least two steps leaves no gap between consecutive points.
    CHECK(w[i].rate_range >= 2 * w[i].step);
    if (i) CHECK(w[i].span > w[i - 1].span);  // shortest first
  }
}

TEST_CASE("find_window knows only the offered windows", "[prometheus]") {
  for (const auto* name : {"1h", "6h", "24h", "7d"}) {
    auto w = promql::find_window(name);
    REQUIRE(w);
    CHECK(w->name == name);
  }
  CHECK(promql::find_window("24h")->step == 5min);
  CHECK_FALSE(promql::find_window("2h"));
  CHECK_FALSE(promql::find_window(""));
  CHECK_FALSE(promql::find_window("1H"));
  CHECK_FALSE(promql::find_window("60m"));
  CHECK_FALSE(promql::find_window("1w"));
  CHECK_FALSE(promql::find_window("1h "));
}

TEST_CASE("durations are written as PromQL writes them", "[prometheus]") {
  using promql::duration;
  CHECK(duration(90s) == "90s");
  CHECK(duration(3600s) == "1h");
  CHECK(duration(300s) == "5m");
  CHECK(duration(30s) == "30s");
  CHECK(duration(120s) == "2m");
  CHECK(duration(5400s) == "90m");
  CHECK(duration(7200s) == "2h");
  CHECK(duration(86400s) == "1d");
  CHECK(duration(90000s) == "25h");
  CHECK(duration(604800s) == "7d");
  CHECK(duration(1s) == "1s");
  CHECK(duration(0s) == "0s");
}

// =============================================================================================
// 3. Replies

TEST_CASE("a range query's matrix reply decodes", "[prometheus]") {
  auto r = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"ci_synthetic_queue_depth","pool":"linux"},
  "values":[[1795330722,"6.309"],[1795332522,"8.888"],[1795334322,"7.892"]]}]}})");
  REQUIRE(r);
  CHECK(r->type == "matrix");
  CHECK(r->warnings.empty());
  REQUIRE(r->data.size() == 1);
  const auto& s = r->data[0];
  CHECK(s.labels == promql::labels{{"__name__", "ci_synthetic_queue_depth"}, {"pool", "linux"}});
  CHECK(s.label("pool") == "linux");
  CHECK(s.points == std::vector<promql::point>{{1795330722, 6.309}, {1795332522, 8.888}, {1795334322, 7.892}});
}

TEST_CASE("an instant query's vector reply decodes", "[prometheus]") {
  auto r = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"gitlab_runner_jobs","instance":"127.0.0.1:47805","job":"fake-runner","runner":"abcd1234","runner_name":"k8s-runner","state":"running","system_id":"s_0123456789ab"},"value":[1795345136.506,"3"]}]}})");
  REQUIRE(r);
  CHECK(r->type == "vector");
  REQUIRE(r->data.size() == 1);
  const auto& s = r->data[0];
  CHECK(s.labels.size() == 7);
  CHECK(s.label("__name__") == "gitlab_runner_jobs");
  CHECK(s.label("runner") == "abcd1234");
  CHECK(s.label("system_id") == "s_0123456789ab");
  CHECK(s.label("missing") == "");
  REQUIRE(s.points.size() == 1);
  CHECK(s.points[0].time == 1795345136.506);
  CHECK(s.points[0].value == 3.0);
}

TEST_CASE("scalar, string and empty replies decode", "[prometheus]") {
  auto scalar = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"2"]}})");
  REQUIRE(scalar);
  CHECK(scalar->type == "scalar");
  REQUIRE(scalar->data.size() == 1);
  CHECK(scalar->data[0].labels.empty());
  CHECK(scalar->data[0].points == std::vector<promql::point>{{1700000000, 2.0}});

  auto str = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"string","result":[1700000000.5,"abc"]}})");
  REQUIRE(str);
  CHECK(str->type == "string");
  REQUIRE(str->data.size() == 1);
  REQUIRE(str->data[0].points.size() == 1);
  CHECK(str->data[0].points[0].time == 1700000000.5);
  CHECK_FALSE(str->data[0].points[0].value);  // not a number: no value (the text itself is not kept)

  auto empty = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  REQUIRE(empty);
  CHECK(empty->type == "vector");
  CHECK(empty->data.empty());
  CHECK(empty->warnings.empty());

  auto empty_matrix = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  REQUIRE(empty_matrix);
  CHECK(empty_matrix->data.empty());
}

TEST_CASE("NaN and infinite sample values become no value", "[prometheus]") {
  auto r = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"vector","result":[
    {"metric":{"a":"nan"},"value":[1,"NaN"]},
    {"metric":{"a":"pinf"},"value":[1,"+Inf"]},
    {"metric":{"a":"ninf"},"value":[1,"-Inf"]},
    {"metric":{"a":"ok"},"value":[1,"-0.25"]}]}})");
  REQUIRE(r);
  REQUIRE(r->data.size() == 4);
  CHECK_FALSE(r->data[0].points[0].value);
  CHECK_FALSE(r->data[1].points[0].value);
  CHECK_FALSE(r->data[2].points[0].value);
  CHECK(r->data[3].points[0].value == -0.25);

  auto m = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{},"values":[[1,"1"],[2,"NaN"],[3,"+Inf"],[4,"-Inf"],[5,"2.5"]]}]}})");
  REQUIRE(m);
  REQUIRE(m->data.size() == 1);
  CHECK(m->data[0].points == std::vector<promql::point>{{1, 1.0}, {2, std::nullopt}, {3, std::nullopt}, {4, std::nullopt}, {5, 2.5}});

  auto scalar = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"NaN"]}})");
  REQUIRE(scalar);
  CHECK_FALSE(scalar->data[0].points[0].value);
}

TEST_CASE("sample values parse only when finite numbers", "[prometheus]") {
  using promql::parse_sample_value;
  CHECK(parse_sample_value("1.5") == 1.5);
  CHECK(parse_sample_value("0") == 0.0);
  CHECK(parse_sample_value("-2") == -2.0);
  CHECK(parse_sample_value("6.309") == 6.309);
  CHECK(parse_sample_value("1e+06") == 1e6);
  CHECK(parse_sample_value("1.7976931348623157e+308") == std::numeric_limits<double>::max());
  CHECK(parse_sample_value("100000000000000000000") == 1e20);
  for (const auto* bad : {"NaN", "+Inf", "-Inf", "Inf", "inf", "nan", "", "1.5x", " 1", "1 ", "abc", "1e400", "0x10", "--1"}) {
    INFO(bad);
    CHECK_FALSE(parse_sample_value(bad));
  }
}

TEST_CASE("Prometheus errors map to the envelope's codes and keep Prometheus's text", "[prometheus]") {
  struct row {
    int http;
    std::string body;
    error_code code;
    std::string text;
  };
  const std::vector<row> rows = {
      {400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"})",
       error_code::invalid_argument, R"(invalid parameter "query": 1:5: parse error: unclosed left parenthesis)"},
      {400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": cannot parse \"\" to a valid duration"})",
       error_code::invalid_argument, R"(invalid parameter "step": cannot parse "" to a valid duration)"},
      {400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"end\": end timestamp must not be before start time"})",
       error_code::invalid_argument, R"(invalid parameter "end": end timestamp must not be before start time)"},
      {400, R"q({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"})q",
       error_code::invalid_argument, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"},
      {422, R"({"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"})",
       error_code::upstream_error, "vector cannot contain metrics with the same labelset"},
      {503, R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})",
       error_code::timeout, "query timed out in expression evaluation"},
      {404, "404 page not found", error_code::not_found, "404 page not found"},
      {200, "<html><body>login</body></html>", error_code::upstream_error, "<html><body>login</body></html>"},
      {502, "Bad Gateway", error_code::upstream_error, "Bad Gateway"},
      {200, "", error_code::upstream_error, "not its API's JSON"},
      {200, "[]", error_code::upstream_error, "not its API's JSON"},
      {200, "null", error_code::upstream_error, "not its API's JSON"},
      {200, R"({"status":"success","data":{"resultType":"vector","result":[)", error_code::upstream_error, "not its API's JSON"},
      // The errorType decides even when the HTTP status does not say it.
      {200, R"({"status":"error","errorType":"bad_data","error":"x"})", error_code::invalid_argument, "Prometheus bad_data (HTTP 200): x"},
      {200, R"({"status":"error","errorType":"timeout","error":"y"})", error_code::timeout, "Prometheus timeout (HTTP 200): y"},
      {500, R"({"status":"error","errorType":"internal","error":"boom"})", error_code::upstream_error, "Prometheus internal (HTTP 500): boom"},
      {500, R"({"status":"error"})", error_code::upstream_error, "Prometheus error (HTTP 500): no message"},
      // Without an errorType the HTTP status decides.
      {503, R"({"status":"error","error":"z"})", error_code::timeout, "Prometheus error (HTTP 503): z"},
      {400, R"({"status":"error","error":"w"})", error_code::invalid_argument, "Prometheus error (HTTP 400): w"},
      {422, R"({"status":"error","error":"v"})", error_code::upstream_error, "Prometheus error (HTTP 422): v"},
      {400, R"({"status":"error","errorType":7,"error":["not","text"]})", error_code::invalid_argument, "no message"},
  };
  for (const auto& r : rows) {
    INFO("HTTP " << r.http << " " << r.body);
    auto res = promql::parse_reply(r.http, r.body);
    REQUIRE_FALSE(res);
    CHECK(res.failure().code == r.code);
    CHECK_THAT(res.failure().message, Catch::Contains(r.text));
    CHECK_THAT(res.failure().message, Catch::Contains("Prometheus"));
  }
  // Pinned texts.
  CHECK(promql::parse_reply(400, rows[0].body).failure().message ==
        R"(Prometheus bad_data (HTTP 400): invalid parameter "query": 1:5: parse error: unclosed left parenthesis)");
  CHECK(promql::parse_reply(422, rows[4].body).failure().message ==
        "Prometheus execution (HTTP 422): vector cannot contain metrics with the same labelset");
  CHECK(promql::parse_reply(503, rows[5].body).failure().message ==
        "Prometheus timeout (HTTP 503): query timed out in expression evaluation");
  CHECK(promql::parse_reply(404, "404 page not found").failure().message ==
        "Prometheus answered HTTP 404 with a body that is not its API's JSON: 404 page not found "
        "(is prometheus.url the server's base URL?)");
  // A long non-JSON body is cut, not copied whole.
  auto long_body = std::string(120, 'a') + std::string(5000, 'b');
  auto cut = promql::parse_reply(502, long_body);
  REQUIRE_FALSE(cut);
  CHECK_THAT(cut.failure().message, Catch::Contains(std::string(120, 'a')));
  CHECK_THAT(cut.failure().message, !Catch::Contains("ab"));
}

TEST_CASE("warnings are kept beside the data", "[prometheus]") {
  auto r = promql::parse_reply(200, R"({"status":"success","warnings":["PromQL warning: encountered a mix of histograms and floats","second",7],"infos":["ignored"],"data":{"resultType":"vector","result":[]}})");
  REQUIRE(r);
  CHECK(r->warnings == std::vector<std::string>{"PromQL warning: encountered a mix of histograms and floats", "second"});
  auto none = promql::parse_reply(200, R"({"status":"success","warnings":"not a list","data":{"resultType":"vector","result":[]}})");
  REQUIRE(none);
  CHECK(none->warnings.empty());
}

TEST_CASE("malformed success replies are upstream errors, never crashes", "[prometheus]") {
  struct row {
    std::string body;
    std::string text;
  };
  const std::vector<row> rows = {
      {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2]]}]}})",
       "a matrix value is not a [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,3]]}]}})",
       "a matrix value is not a [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[["2","3"]]}]}})",
       "a matrix value is not a [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1","extra"]]}]}})",
       "a matrix value is not a [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":"1"}]}})",
       "a matrix series has no values array"},
      {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{}}]}})", "a matrix series has no values array"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})",
       "a vector sample has no [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["1795345136.506","3"]}]}})",
       "a vector sample has no [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795345136.506,3]}]}})",
       "a vector sample has no [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{"count":"2"}]}]}})",
       "a vector sample has no [time, \"value\"] pair"},
      {R"({"status":"success","data":{"resultType":"vector","result":[42]}})", "a result item is not an object"},
      {R"({"status":"success","data":{"resultType":"vector","result":{"a":1}}})", "data.result is not an array"},
      {R"({"status":"success","data":{"resultType":"vector"}})", "data.result is not an array"},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1]}})", "a scalar result is not a [time, value] pair"},
      {R"({"status":"success","data":{"resultType":"string","result":"abc"}})", "a string result is not a [time, value] pair"},
      {R"({"status":"success","data":{"resultType":"histogram","result":[]}})", "unknown resultType 'histogram'"},
      {R"({"status":"success","data":{"resultType":7,"result":[]}})", "no data.resultType"},
      {R"({"status":"success","data":{"result":[]}})", "no data.resultType"},
      {R"({"status":"success","data":[]})", "no data.resultType"},
      {R"({"status":"success"})", "no data.resultType"},
  };
  for (const auto& r : rows) {
    INFO(r.body);
    std::optional<result<promql::query_result>> res;
    REQUIRE_NOTHROW(res.emplace(promql::parse_reply(200, r.body)));
    REQUIRE_FALSE(*res);
    CHECK(res->failure().code == error_code::upstream_error);
    CHECK_THAT(res->failure().message, Catch::Contains(r.text));
  }
}

TEST_CASE("odd but well-formed JSON never throws", "[prometheus]") {
  // Labels that are not strings are dropped, missing metric is no labels, extra fields ignored.
  auto r = promql::parse_reply(200, R"({"status":"success","extra":{"x":[1,2]},"data":{"resultType":"vector","result":[
    {"metric":{"a":"1","n":2,"o":{"x":1},"z":null},"value":[1e308,"1e308"],"more":true},
    {"value":[0,"0"]},
    {"metric":[],"value":[-1,"-1"]}]}})");
  REQUIRE(r);
  REQUIRE(r->data.size() == 3);
  CHECK(r->data[0].labels == promql::labels{{"a", "1"}});
  CHECK(r->data[0].points[0].value == 1e308);
  CHECK(r->data[1].labels.empty());
  CHECK(r->data[2].labels.empty());
  CHECK(r->data[2].points[0].time == -1);

  // Many series.
  std::string big = R"({"status":"success","data":{"resultType":"vector","result":[)";
  for (int i = 0; i < 20000; ++i)
    big += (i ? "," : "") + std::string(R"({"metric":{"pod":"p)") + std::to_string(i) + R"("},"value":[1,")" +
           std::to_string(i) + R"("]})";
  big += "]}}";
  auto many = promql::parse_reply(200, big);
  REQUIRE(many);
  REQUIRE(many->data.size() == 20000);
  CHECK(many->data[19999].label("pod") == "p19999");
  CHECK(many->data[19999].points[0].value == 19999.0);

  // Deep nesting is not an object at the top and is refused without a crash.
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  CHECK_NOTHROW(promql::parse_reply(200, deep));
  CHECK_FALSE(promql::parse_reply(200, deep));
  std::string deep_obj = R"({"status":"success","data":{"resultType":"vector","result":[{"metric":)" +
                         std::string(2000, '[') + std::string(2000, ']') + R"(,"value":[1,"1"]}]}})";
  auto d = promql::parse_reply(200, deep_obj);
  REQUIRE(d);
  CHECK(d->data[0].labels.empty());

  // A huge value string is just not a number.
  auto huge = promql::parse_reply(200, R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,")" +
                                            std::string(100000, '9') + R"("]}]}})");
  REQUIRE(huge);
  CHECK_FALSE(huge->data[0].points[0].value);
}

TEST_CASE("a status that is not a string is an upstream error, not an exception", "[prometheus]") {
  for (const auto* body : {R"({"status":1})", R"({"status":null,"data":{}})", R"({"status":["success"]})",
                           R"({"status":true,"errorType":"bad_data","error":"x"})"}) {
    INFO(body);
    std::optional<result<promql::query_result>> res;
    REQUIRE_NOTHROW(res.emplace(promql::parse_reply(200, body)));
    REQUIRE_FALSE(*res);
    CHECK(res->failure().code == error_code::upstream_error);
  }
}

// =============================================================================================
// 4. Histogram quantiles

TEST_CASE("quantile matches hand-computed histogram_quantile results", "[prometheus]") {
  using promql::quantile;
  // 10 observations: 2 ≤ 0.5, 3 in (0.5, 1], 3 in (1, 2], 2 above 2.
  const std::vector<promql::bucket> a = {{0.5, 2}, {1, 5}, {2, 8}, {inf, 10}};
  CHECK(val(quantile(0.1, a)) == Approx(0.25));     // rank 1 in the first bucket: from 0 to 0.5
  CHECK(val(quantile(0.2, a)) == Approx(0.5));      // rank 2: the first bucket's bound
  CHECK(val(quantile(0.5, a)) == Approx(1.0));      // rank 5: the top of (0.5, 1]
  CHECK(val(quantile(0.35, a)) == Approx(0.75));    // rank 3.5: half-way through (0.5, 1]
  CHECK(val(quantile(0.75, a)) == Approx(1.0 + 2.5 / 3));
  CHECK(val(quantile(0.8, a)) == Approx(2.0));
  CHECK(quantile(0.9, a) == 2.0);   // rank 9 falls in +Inf: the previous bound
  CHECK(quantile(0.99, a) == 2.0);
  CHECK(quantile(1.0, a) == 2.0);   // q = 1
  CHECK(quantile(0.0, a) == 0.0);   // q = 0, first bucket not empty: its lower end, 0

  // Order of the input does not matter.
  const std::vector<promql::bucket> shuffled = {{inf, 10}, {1, 5}, {0.5, 2}, {2, 8}};
  CHECK(val(quantile(0.75, shuffled)) == Approx(1.0 + 2.5 / 3));

  // Non-monotonic counts are made monotonic first: {1:5, 2:3, 4:8} reads as {1:5, 2:5, 4:8}.
  const std::vector<promql::bucket> bumpy = {{1, 5}, {2, 3}, {4, 8}, {inf, 8}};
  CHECK(val(quantile(0.5, bumpy)) == Approx(0.8));            // rank 4 in the first bucket
  CHECK(val(quantile(0.75, bumpy)) == Approx(2.0 + 2.0 / 3));  // rank 6 in (2, 4]; unfixed it would be 3.2
  CHECK(quantile(1.0, bumpy) == 4.0);

  // Everything in +Inf: the highest finite bound.
  CHECK(quantile(0.5, {{1, 0}, {5, 0}, {inf, 4}}) == 5.0);

  // A first bound at or below zero is returned as it is, no interpolation from 0.
  const std::vector<promql::bucket> negative = {{-1, 2}, {0, 4}, {1, 6}, {inf, 6}};
  CHECK(quantile(0.2, negative) == -1.0);
  CHECK(val(quantile(0.5, negative)) == Approx(-0.5));
  CHECK(quantile(0.25, {{0, 3}, {1, 6}, {inf, 6}}) == 0.0);

  // The ARC startup buckets, as a listener would expose them.
  std::vector<promql::bucket> arc;
  double cumulative = 0;
  for (double le : {0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0}) arc.push_back({le, cumulative += 1});
  arc.push_back({inf, 10});
  CHECK(val(quantile(0.5, arc)) == Approx(1.0));            // rank 5: top of (0.5, 1]
  CHECK(val(quantile(0.55, arc)) == Approx(1.5));           // rank 5.5: half of (1, 2]
  CHECK(quantile(0.95, arc) == 5.0);                        // rank 9.5 in +Inf
}

TEST_CASE("quantile says no value where Prometheus says NaN or ±Inf", "[prometheus]") {
  using promql::quantile;
  const std::vector<promql::bucket> ok = {{1, 1}, {inf, 2}};
  REQUIRE(quantile(0.5, ok));
  CHECK_FALSE(quantile(0.5, {{1, 0}, {2, 0}, {inf, 0}}));  // no observations
  CHECK_FALSE(quantile(0.5, {{1, 1}, {2, 2}}));            // no +Inf bucket
  CHECK_FALSE(quantile(0.5, {{inf, 5}}));                  // one bucket
  CHECK_FALSE(quantile(0.5, {}));
  CHECK_FALSE(quantile(-0.1, ok));
  CHECK_FALSE(quantile(1.1, ok));
  CHECK_FALSE(quantile(-inf, ok));
  CHECK_FALSE(quantile(inf, ok));
  CHECK_FALSE(quantile(not_a_number, ok));
}

TEST_CASE("quantile agrees with a port of Prometheus's bucketQuantile on random histograms", "[prometheus]") {
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> n_buckets(1, 8), count(0, 20), coin(0, 9);
  const std::vector<double> bounds = {-2, -0.5, 0, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 60, 300, 3600};
  int compared = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<double> chosen = bounds;
    std::shuffle(chosen.begin(), chosen.end(), rng);
    chosen.resize(static_cast<std::size_t>(n_buckets(rng)));
    std::sort(chosen.begin(), chosen.end());
    std::vector<promql::bucket> b;
    double c = 0;
    for (double le : chosen) {
      c += count(rng);
      b.push_back({le, coin(rng) == 0 ? std::max(0.0, c - 7) : c});  // sometimes a dip
    }
    if (coin(rng) != 0) b.push_back({inf, c + (coin(rng) < 3 ? count(rng) : 0)});
    std::shuffle(b.begin(), b.end(), rng);
    for (double q : {0.01, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0, -0.5, 1.5}) {
      auto want = expected_quantile(q, b);
      auto got = promql::quantile(q, b);
      INFO("round " << round << " q " << q);
      REQUIRE(got.has_value() == want.has_value());
      if (want) CHECK(*got == Approx(*want).margin(1e-12));
      ++compared;
    }
  }
  CHECK(compared == 20000);
}

TEST_CASE("quantile with q = 0 and an empty first bucket is NaN in Prometheus", "[prometheus]") {
  const std::vector<promql::bucket> b = {{1, 0}, {2, 4}, {inf, 4}};
  CHECK(std::isnan(prometheus_bucket_quantile(0, b)));
  INFO("quantile(0, b) = " << val(promql::quantile(0, b)));
  CHECK_FALSE(promql::quantile(0, b));
}

TEST_CASE("quantile coalesces buckets with equal bounds as Prometheus does", "[prometheus]") {
  const std::vector<promql::bucket> dup = {{1, 2}, {1, 3}, {inf, 5}};  // Prometheus: {1:5, +Inf:5}
  CHECK(prometheus_bucket_quantile(0.5, dup) == 0.5);
  CHECK(val(promql::quantile(0.5, dup)) == Approx(0.5));
  const std::vector<promql::bucket> dup_inf = {{1, 1}, {inf, 2}, {inf, 3}};  // Prometheus: {1:1, +Inf:5}
  CHECK(prometheus_bucket_quantile(0.5, dup_inf) == 1.0);
  CHECK(val(promql::quantile(0.5, dup_inf)) == 1.0);
  const std::vector<promql::bucket> only_inf = {{inf, 5}, {inf, 3}};  // Prometheus: one bucket → NaN
  CHECK(std::isnan(prometheus_bucket_quantile(0.5, only_inf)));
  INFO("quantile(0.5, only_inf) = " << val(promql::quantile(0.5, only_inf)));
  CHECK_FALSE(promql::quantile(0.5, only_inf));
}

TEST_CASE("add_bucket merges equal bounds and parse_le reads le labels", "[prometheus]") {
  std::vector<promql::bucket> into;
  promql::add_bucket(into, 1, 2);
  promql::add_bucket(into, inf, 5);
  promql::add_bucket(into, 1, 3);
  promql::add_bucket(into, 0.5, 1);
  promql::add_bucket(into, inf, 5);
  REQUIRE(into.size() == 3);
  auto find = [&](double le) {
    for (const auto& b : into)
      if (b.upper_bound == le) return b.count;
    return -1.0;
  };
  CHECK(find(1) == 5);
  CHECK(find(inf) == 10);
  CHECK(find(0.5) == 1);
  CHECK(promql::quantile(0.5, into) == Approx(1.0));  // rank 5 at the top of (0.5, 1]

  CHECK(promql::parse_le("+Inf") == inf);
  CHECK(promql::parse_le("Inf") == inf);
  CHECK(promql::parse_le("0.5") == 0.5);
  CHECK(promql::parse_le("1e+06") == 1e6);
  CHECK(promql::parse_le("3600") == 3600.0);
  CHECK(promql::parse_le("-1") == -1.0);
  CHECK_FALSE(promql::parse_le("NaN"));
  CHECK_FALSE(promql::parse_le(""));
  CHECK_FALSE(promql::parse_le("abc"));
  CHECK_FALSE(promql::parse_le("+inf"));
}

// =============================================================================================
// 5. Queries

TEST_CASE("the fleet batch over 1h, query by query", "[prometheus]") {
  auto batch = promql::fleet_batch(fleet_scope(), 1h);
  const std::string ns = R"q(namespace=~"(?:gitlab-runners|arc-runners)")q";
  const std::vector<std::pair<batch_id, std::string>> want = {
      {batch_id::gitlab_jobs, "sum by (namespace, pod) (increase(gitlab_runner_jobs_total{" + ns + "}[1h]))"},
      {batch_id::gitlab_failed, "sum by (namespace, pod) (increase(gitlab_runner_failed_jobs_total{" + ns + "}[1h]))"},
      {batch_id::gitlab_queue,
       "sum by (namespace, pod, le) (increase(gitlab_runner_job_queue_duration_seconds_bucket{" + ns + "}[1h]))"},
      {batch_id::gitlab_running, "sum by (namespace, pod) (gitlab_runner_jobs{" + ns + R"q(,state="running"}))q"},
      {batch_id::github_jobs, "sum by (namespace, pod, job_result) (increase(gha_completed_jobs_total{" + ns + "}[1h]))"},
      {batch_id::github_startup,
       "sum by (namespace, pod, le) (increase(gha_job_startup_duration_seconds_bucket{" + ns + "}[1h]))"},
      {batch_id::github_gauges,
       "{" + ns + R"(,__name__=~"gha_assigned_jobs|gha_running_jobs|gha_busy_runners|gha_registered_runners"})"},
      {batch_id::cpu, "sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{" + ns + R"q(,container!=""}[5m])))q"},
      {batch_id::memory, "sum by (namespace, pod) (container_memory_working_set_bytes{" + ns + R"q(,container!=""}))q"},
      {batch_id::cpu_requests,
       "sum by (namespace, pod) (kube_pod_container_resource_requests{" + ns + R"q(,resource="cpu"}))q"},
  };
  REQUIRE(batch.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("query " << i);
    CHECK(batch[i].id == want[i].first);
    CHECK(batch[i].text == want[i].second);
  }
  // The window is only in the increase() ranges; the CPU rate stays 5m.
  auto day = promql::fleet_batch(fleet_scope(), 24h);
  CHECK(day[0].text == "sum by (namespace, pod) (increase(gitlab_runner_jobs_total{" + ns + "}[1d]))");
  CHECK(day[7].text == batch[7].text);
}

TEST_CASE("the fleet series over 6h", "[prometheus]") {
  auto series = promql::fleet_series(fleet_scope(), *promql::find_window("6h"));
  const std::string sel = R"q({namespace=~"(?:gitlab-runners|arc-runners)"})q";
  const std::string sel_in = R"q({namespace=~"(?:gitlab-runners|arc-runners)",)q";
  const std::string gl_jobs = "sum(rate(gitlab_runner_jobs_total" + sel + "[5m]))";
  const std::string gh_jobs = "sum(rate(gha_completed_jobs_total" + sel + "[5m]))";
  auto q = [](const std::string& quantile, const std::string& metric, const std::string& s) {
    return "histogram_quantile(" + quantile + ", sum by (le) (rate(" + metric + s + "[5m])))";
  };
  const std::vector<promql::range_query> want = {
      {"jobs_per_hour", "gitlab", "jobs/h", gl_jobs + " * 3600"},
      {"failure_rate", "gitlab", "ratio", "sum(rate(gitlab_runner_failed_jobs_total" + sel + "[5m])) / " + gl_jobs},
      {"queue_seconds_p50", "gitlab", "seconds", q("0.5", "gitlab_runner_job_queue_duration_seconds_bucket", sel)},
      {"queue_seconds_p95", "gitlab", "seconds", q("0.95", "gitlab_runner_job_queue_duration_seconds_bucket", sel)},
      {"queue_seconds_p99", "gitlab", "seconds", q("0.99", "gitlab_runner_job_queue_duration_seconds_bucket", sel)},
      {"running_jobs", "gitlab", "jobs", "sum(gitlab_runner_jobs" + sel_in + R"q(state="running"}))q"},
      {"jobs_per_hour", "github", "jobs/h", gh_jobs + " * 3600"},
      {"failure_rate", "github", "ratio", "sum(rate(gha_completed_jobs_total" + sel_in + R"q(job_result="failed"}[5m])) / )q" + gh_jobs},
      {"queue_seconds_p50", "github", "seconds", q("0.5", "gha_job_startup_duration_seconds_bucket", sel)},
      {"queue_seconds_p95", "github", "seconds", q("0.95", "gha_job_startup_duration_seconds_bucket", sel)},
      {"queue_seconds_p99", "github", "seconds", q("0.99", "gha_job_startup_duration_seconds_bucket", sel)},
      {"busy_runners", "github", "runners", "sum(gha_busy_runners" + sel + ")"},
      {"registered_runners", "github", "runners", "sum(gha_registered_runners" + sel + ")"},
      {"cpu_utilization", "", "ratio",
       "sum(rate(container_cpu_usage_seconds_total" + sel_in + R"q(container!=""}[5m])) / sum(kube_pod_container_resource_requests)q" +
           sel_in + R"q(resource="cpu"}))q"},
  };
  REQUIRE(series.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("series " << i << " " << want[i].measure << " " << want[i].forge);
    CHECK(series[i].measure == want[i].measure);
    CHECK(series[i].forge == want[i].forge);
    CHECK(series[i].unit == want[i].unit);
    CHECK(series[i].text == want[i].text);
  }
  // Other windows change only the rate range.
  auto week = promql::fleet_series(fleet_scope(), *promql::find_window("7d"));
  CHECK(week[0].text == "sum(rate(gitlab_runner_jobs_total" + sel + "[1h])) * 3600");
}

TEST_CASE("a GitLab runner's series", "[prometheus]") {
  promql::runner_pods r{"gitlab", "gitlab-runners", "docker-runner", std::nullopt, std::nullopt};
  auto series = promql::runner_series(fleet_scope(), r, *promql::find_window("1h"));
  const std::string pods = R"(namespace="gitlab-runners",pod=~"docker-runner-[a-z0-9]+-[a-z0-9]+")";
  const std::string jobs = "sum(rate(gitlab_runner_jobs_total{" + pods + "}[2m]))";
  auto q = [&](const std::string& quantile) {
    return "histogram_quantile(" + quantile + ", sum by (le) (rate(gitlab_runner_job_queue_duration_seconds_bucket{" + pods +
           "}[2m])))";
  };
  const std::vector<promql::range_query> want = {
      {"cpu_cores", "gitlab", "cores",
       "sum by (pod) (rate(container_cpu_usage_seconds_total{" + pods + R"q(,container!=""}[2m])))q"},
      {"memory_bytes", "gitlab", "bytes", "sum by (pod) (container_memory_working_set_bytes{" + pods + R"q(,container!=""}))q"},
      {"jobs_per_hour", "gitlab", "jobs/h", jobs + " * 3600"},
      {"failure_rate", "gitlab", "ratio", "sum(rate(gitlab_runner_failed_jobs_total{" + pods + "}[2m])) / " + jobs},
      {"queue_seconds_p50", "gitlab", "seconds", q("0.5")},
      {"queue_seconds_p95", "gitlab", "seconds", q("0.95")},
      {"queue_seconds_p99", "gitlab", "seconds", q("0.99")},
  };
  REQUIRE(series.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("series " << i);
    CHECK(series[i].measure == want[i].measure);
    CHECK(series[i].forge == want[i].forge);
    CHECK(series[i].unit == want[i].unit);
    CHECK(series[i].text == want[i].text);
  }
}

TEST_CASE("an ARC runner's series, with and without a listener", "[prometheus]") {
  promql::runner_pods r{"github", "arc-runners", "gh-nix", std::string("arc-systems"), std::string("gh-nix-754b578d-listener")};
  auto series = promql::runner_series(fleet_scope(), r, *promql::find_window("1h"));
  const std::string pods = R"(namespace="arc-runners",pod=~"gh-nix-(?:[a-z0-9]+-)?runner-[a-z0-9]+")";
  const std::string listener = R"(namespace="arc-systems",pod="gh-nix-754b578d-listener")";
  const std::string jobs = "sum(rate(gha_completed_jobs_total{" + listener + "}[2m]))";
  auto q = [&](const std::string& quantile) {
    return "histogram_quantile(" + quantile + ", sum by (le) (rate(gha_job_startup_duration_seconds_bucket{" + listener +
           "}[2m])))";
  };
  const std::vector<promql::range_query> want = {
      {"cpu_cores", "github", "cores",
       "sum by (pod) (rate(container_cpu_usage_seconds_total{" + pods + R"q(,container!=""}[2m])))q"},
      {"memory_bytes", "github", "bytes", "sum by (pod) (container_memory_working_set_bytes{" + pods + R"q(,container!=""}))q"},
      {"jobs_per_hour", "github", "jobs/h", jobs + " * 3600"},
      {"failure_rate", "github", "ratio",
       "sum(rate(gha_completed_jobs_total{" + listener + R"q(,job_result="failed"}[2m])) / )q" + jobs},
      {"queue_seconds_p50", "github", "seconds", q("0.5")},
      {"queue_seconds_p95", "github", "seconds", q("0.95")},
      {"queue_seconds_p99", "github", "seconds", q("0.99")},
  };
  REQUIRE(series.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("series " << i);
    CHECK(series[i].measure == want[i].measure);
    CHECK(series[i].forge == want[i].forge);
    CHECK(series[i].unit == want[i].unit);
    CHECK(series[i].text == want[i].text);
  }

  // Without a listener there is nothing to read job metrics from: CPU and memory only.
  promql::runner_pods lonely{"github", "arc-runners", "gh-nix", std::nullopt, std::nullopt};
  auto only = promql::runner_series(fleet_scope(), lonely, *promql::find_window("1h"));
  REQUIRE(only.size() == 2);
  CHECK(only[0].text == want[0].text);
  CHECK(only[1].text == want[1].text);
  // Half a listener is no listener.
  lonely.listener_pod = "gh-nix-754b578d-listener";
  CHECK(promql::runner_series(fleet_scope(), lonely, *promql::find_window("1h")).size() == 2);
}

TEST_CASE("pod patterns match a runner's pods and no other runner's", "[prometheus]") {
  promql::runner_pods gl{"gitlab", "gitlab-runners", "docker-runner", std::nullopt, std::nullopt};
  CHECK(promql::pod_pattern(gl) == "docker-runner-[a-z0-9]+-[a-z0-9]+");
  auto p = promql::pod_pattern(gl);
  CHECK(full_match(p, "docker-runner-7d9f8c6b5f-x2kpl"));
  CHECK(full_match(p, "docker-runner-6b5f4d3c2a-zzzzz"));
  CHECK_FALSE(full_match(p, "docker-runner-large-7d9f8c6b5f-x2kpl"));
  CHECK_FALSE(full_match(p, "docker-runner-7d9f8c6b5f"));
  CHECK_FALSE(full_match(p, "xdocker-runner-7d9f8c6b5f-x2kpl"));
  CHECK_FALSE(full_match(p, "docker-runner-7d9f8c6b5f-x2kpl-extra"));

  promql::runner_pods large{"gitlab", "gitlab-runners", "docker-runner-large", std::nullopt, std::nullopt};
  CHECK(full_match(promql::pod_pattern(large), "docker-runner-large-7d9f8c6b5f-x2kpl"));
  CHECK_FALSE(full_match(promql::pod_pattern(large), "docker-runner-7d9f8c6b5f-x2kpl"));

  promql::runner_pods arc{"github", "arc-runners", "gh-nix", std::nullopt, std::nullopt};
  CHECK(promql::pod_pattern(arc) == "gh-nix-(?:[a-z0-9]+-)?runner-[a-z0-9]+");
  auto a = promql::pod_pattern(arc);
  CHECK(full_match(a, "gh-nix-x7k2p-runner-abcde"));
  CHECK_FALSE(full_match(a, "gh-nix-large-x7k2p-runner-abcde"));
  CHECK_FALSE(full_match(a, "gh-nix-754b578d-listener"));
  CHECK_FALSE(full_match(a, "gh-nix-x7k2p-runner-abcde-x"));

  // Metacharacters in a name stay literal.
  promql::runner_pods dotted{"gitlab", "ns", "a.b", std::nullopt, std::nullopt};
  CHECK(promql::pod_pattern(dotted) == R"(a\.b-[a-z0-9]+-[a-z0-9]+)");
  CHECK(full_match(promql::pod_pattern(dotted), "a.b-7d9f8c6b5f-x2kpl"));
  CHECK_FALSE(full_match(promql::pod_pattern(dotted), "axb-7d9f8c6b5f-x2kpl"));
  promql::runner_pods greedy{"gitlab", "ns", ".*", std::nullopt, std::nullopt};
  CHECK_FALSE(full_match(promql::pod_pattern(greedy), "docker-runner-7d9f8c6b5f-x2kpl"));
  CHECK(full_match(promql::pod_pattern(greedy), ".*-7d9f8c6b5f-x2kpl"));
}

TEST_CASE("hostile runner names cannot change a runner query's shape", "[prometheus]") {
  const auto w = *promql::find_window("1h");
  for (const auto* forge : {"gitlab", "github"}) {
    promql::runner_pods benign{forge, "gitlab-runners", "docker-runner", std::string("arc-systems"), std::string("l")};
    auto base = promql::runner_series(fleet_scope(), benign, w);
    for (const auto& name : hostile_values()) {
      for (const auto& ns : {std::string("gitlab-runners"), name}) {
        promql::runner_pods r{forge, ns, name, name, name};
        auto series = promql::runner_series(fleet_scope(), r, w);
        REQUIRE(series.size() == base.size());
        for (std::size_t i = 0; i < series.size(); ++i) {
          INFO(forge << " name " << promql::quote(name) << " ns " << promql::quote(ns) << "\n" << series[i].text);
          auto got = skeleton_of(series[i].text);
          auto want = skeleton_of(base[i].text);
          CHECK(got.text == want.text);
          REQUIRE(got.literals.size() == want.literals.size());
          // The pod regex decodes to the escaped name plus the fixed suffix, and the exact
          // namespace (and listener) are the values themselves.
          for (const auto& lit : got.literals) {
            bool known = lit == ns || lit == name || lit == "" || lit == "failed" ||
                         lit == promql::pod_pattern(r);
            CHECK(known);
          }
        }
        auto pattern = promql::pod_pattern(r);
        if (name.find('\0') == std::string::npos) {
          auto sample = name + (std::string(forge) == "github" ? "-x7k2p-runner-abcde" : "-7d9f8c6b5f-x2kpl");
          CHECK(full_match(pattern, sample));
          CHECK_FALSE(full_match(pattern, "docker-runner-other" + sample));
        }
      }
    }
  }
  // One pinned hostile text.
  promql::runner_pods evil{"gitlab", "gitlab-runners", R"(x"} or vector(1) or {a=")", std::nullopt, std::nullopt};
  auto series = promql::runner_series(fleet_scope(), evil, w);
  CHECK(series[1].text ==
        R"q(sum by (pod) (container_memory_working_set_bytes{namespace="gitlab-runners",pod=~"x\"\\} or vector\\(1\\) or \\{a=\"-[a-z0-9]+-[a-z0-9]+",container!=""}))q");
}

TEST_CASE("hostile namespaces cannot change the batch's shape", "[prometheus]") {
  auto base = promql::fleet_batch(fleet_scope(), 1h);
  for (const auto& v : hostile_values()) {
    promql::scope s;
    s.namespaces = {v, "ci"};
    auto batch = promql::fleet_batch(s, 1h);
    REQUIRE(batch.size() == base.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      INFO(promql::quote(v) << "\n" << batch[i].text);
      CHECK(skeleton_of(batch[i].text).text == skeleton_of(base[i].text).text);
      auto lits = skeleton_of(batch[i].text).literals;
      REQUIRE_FALSE(lits.empty());
      CHECK(lits[0] == "(?:" + promql::regex_escape(v) + "|ci)");
    }
  }
}

TEST_CASE("a scope without namespaces has no namespace matcher", "[prometheus]") {
  promql::scope all;
  CHECK(all.selector() == "{}");
  CHECK(all.selector(R"(state="running")") == R"({state="running"})");
  auto batch = promql::fleet_batch(all, 1h);
  REQUIRE(batch.size() == 10);
  CHECK(batch[0].text == "sum by (namespace, pod) (increase(gitlab_runner_jobs_total{}[1h]))");
  CHECK(batch[3].text == R"q(sum by (namespace, pod) (gitlab_runner_jobs{state="running"}))q");
  CHECK(batch[6].text == R"({__name__=~"gha_assigned_jobs|gha_running_jobs|gha_busy_runners|gha_registered_runners"})");
  for (const auto& q : batch) CHECK(q.text.find("namespace=") == std::string::npos);
  for (const auto& q : promql::fleet_series(all, *promql::find_window("1h"))) CHECK(q.text.find("namespace=") == std::string::npos);

  promql::scope one;
  one.namespaces = {"ci"};
  CHECK(one.selector() == R"q({namespace=~"(?:ci)"})q");
  CHECK(one.selector(R"(a="b")") == R"q({namespace=~"(?:ci)",a="b"})q");
}

TEST_CASE("label names from the config shape every query", "[prometheus]") {
  auto cfg = parse_config(
      "state_dir: /x\nprometheus:\n  url: http://prom:9090\n  labels:\n    namespace: kubernetes_namespace\n"
      "    pod: kubernetes_pod_name\n",
      "cfg.yaml");
  REQUIRE(cfg);
  REQUIRE(cfg->prometheus);
  promql::scope s;
  s.namespaces = {"ci"};
  s.namespace_label = cfg->prometheus->namespace_label;
  s.pod_label = cfg->prometheus->pod_label;
  auto batch = promql::fleet_batch(s, 1h);
  CHECK(batch[0].text ==
        R"q(sum by (kubernetes_namespace, kubernetes_pod_name) (increase(gitlab_runner_jobs_total{kubernetes_namespace=~"(?:ci)"}[1h])))q");
  CHECK(batch[2].text ==
        R"q(sum by (kubernetes_namespace, kubernetes_pod_name, le) (increase(gitlab_runner_job_queue_duration_seconds_bucket{kubernetes_namespace=~"(?:ci)"}[1h])))q");
  promql::runner_pods r{"github", "arc-runners", "gh-nix", std::string("arc-systems"), std::string("gh-nix-754b578d-listener")};
  auto series = promql::runner_series(s, r, *promql::find_window("1h"));
  CHECK(series[0].text ==
        R"q(sum by (kubernetes_pod_name) (rate(container_cpu_usage_seconds_total{kubernetes_namespace="arc-runners",kubernetes_pod_name=~"gh-nix-(?:[a-z0-9]+-)?runner-[a-z0-9]+",container!=""}[2m])))q");
  CHECK(series[2].text ==
        R"q(sum(rate(gha_completed_jobs_total{kubernetes_namespace="arc-systems",kubernetes_pod_name="gh-nix-754b578d-listener"}[2m])) * 3600)q");
  for (const auto& q : batch) {
    INFO(q.text);
    CHECK(q.text.find("(namespace,") == std::string::npos);
    CHECK(q.text.find(" pod") == std::string::npos);
    CHECK(q.text.find("{namespace") == std::string::npos);
  }
}

TEST_CASE("counter totals wrap the operator's selector", "[prometheus]") {
  CHECK(promql::counter_total(R"(bazel_remote_incoming_requests_total{status="hit"})", 1h) ==
        R"q(sum(increase(bazel_remote_incoming_requests_total{status="hit"}[1h])))q");
  CHECK(promql::counter_total("nix_cache_misses_total", 168h) == "sum(increase(nix_cache_misses_total[7d]))");
  CHECK(promql::counter_total("x", 90s) == "sum(increase(x[90s]))");
}

// =============================================================================================
// 6. Config

TEST_CASE("prometheus config defaults", "[prometheus]") {
  auto none = parse_config("state_dir: /x\n", "cfg.yaml");
  REQUIRE(none);
  CHECK_FALSE(none->prometheus);

  auto cfg = parse_config("state_dir: /x\nprometheus:\n  url: http://prometheus:9090/\n", "cfg.yaml");
  REQUIRE(cfg);
  REQUIRE(cfg->prometheus);
  const auto& p = *cfg->prometheus;
  CHECK(p.url == "http://prometheus:9090");
  CHECK_FALSE(p.bearer_token_file);
  CHECK_FALSE(p.basic_auth_username);
  CHECK_FALSE(p.basic_auth_password_file);
  CHECK_FALSE(p.ca_file);
  CHECK_FALSE(p.insecure_skip_tls_verify);
  CHECK(p.poll_interval == 30s);
  CHECK(p.request_timeout == 10s);
  CHECK(p.namespace_label == "namespace");
  CHECK(p.pod_label == "pod");
  CHECK(p.caches.empty());
  CHECK(p.slo.queue_time_p95_seconds == 60);
  CHECK(p.slo.failure_rate == 0.02);
  CHECK(p.slo.cpu_utilization_min == 0.40);
  CHECK(p.slo.cpu_utilization_max == 0.70);
  CHECK(p.slo.min_jobs == 10);
  CHECK(p.line == 3);
}

TEST_CASE("prometheus config reads every key", "[prometheus]") {
  auto cfg = parse_config(R"(state_dir: /x
prometheus:
  url: https://prom.example.com/prefix//
  bearer_token_file: /etc/runnerfleet/prom-token
  ca_file: /etc/runnerfleet/ca.pem
  insecure_skip_tls_verify: true
  poll_interval: 1m
  request_timeout: 20s
  labels:
    namespace: kubernetes_namespace
    pod: kubernetes_pod_name
  caches:
    - name: bazel
      hits: 'bazel_remote_incoming_requests_total{status="hit"}'
      misses: 'bazel_remote_incoming_requests_total{status="miss"}'
    - name: nix
      hits: nix_hits_total
      misses: nix_misses_total
  slo:
    queue_time_p95: 2m
    failure_rate: 0.05
    cpu_utilization: [0.3, 0.8]
    min_jobs: 25
)",
                          "cfg.yaml");
  REQUIRE(cfg);
  REQUIRE(cfg->prometheus);
  const auto& p = *cfg->prometheus;
  CHECK(p.url == "https://prom.example.com/prefix");
  CHECK(p.bearer_token_file == "/etc/runnerfleet/prom-token");
  CHECK_FALSE(p.basic_auth_username);
  CHECK(p.ca_file == "/etc/runnerfleet/ca.pem");
  CHECK(p.insecure_skip_tls_verify);
  CHECK(p.poll_interval == 60s);
  CHECK(p.request_timeout == 20s);
  CHECK(p.namespace_label == "kubernetes_namespace");
  CHECK(p.pod_label == "kubernetes_pod_name");
  REQUIRE(p.caches.size() == 2);
  CHECK(p.caches[0].name == "bazel");
  CHECK(p.caches[0].hits == R"(bazel_remote_incoming_requests_total{status="hit"})");
  CHECK(p.caches[0].misses == R"(bazel_remote_incoming_requests_total{status="miss"})");
  CHECK(p.caches[1].name == "nix");
  CHECK(p.caches[1].hits == "nix_hits_total");
  CHECK(p.caches[1].misses == "nix_misses_total");
  CHECK(p.slo.queue_time_p95_seconds == 120);
  CHECK(p.slo.failure_rate == 0.05);
  CHECK(p.slo.cpu_utilization_min == 0.3);
  CHECK(p.slo.cpu_utilization_max == 0.8);
  CHECK(p.slo.min_jobs == 25);

  auto basic = parse_config(
      "state_dir: /x\nprometheus:\n  url: http://p:9090\n  basic_auth:\n    username: runnerfleet\n    password_file: /etc/pw\n",
      "cfg.yaml");
  REQUIRE(basic);
  CHECK(basic->prometheus->basic_auth_username == "runnerfleet");
  CHECK(basic->prometheus->basic_auth_password_file == "/etc/pw");
  CHECK_FALSE(basic->prometheus->bearer_token_file);

  // Bounds are inclusive.
  auto edges = parse_config(
      "state_dir: /x\nprometheus:\n  url: http://p:9090\n  poll_interval: 5s\n  request_timeout: 2m\n  slo:\n"
      "    queue_time_p95: 24h\n    failure_rate: 0\n    cpu_utilization: [0.5, 0.5]\n    min_jobs: 1\n",
      "cfg.yaml");
  REQUIRE(edges);
  CHECK(edges->prometheus->poll_interval == 5s);
  CHECK(edges->prometheus->request_timeout == 120s);
  CHECK(edges->prometheus->slo.queue_time_p95_seconds == 86400);
  CHECK(edges->prometheus->slo.failure_rate == 0);
  CHECK(edges->prometheus->slo.min_jobs == 1);
}

TEST_CASE("prometheus config errors name the key and the line", "[prometheus]") {
  const std::string head = "state_dir: /x\nprometheus:\n  url: http://p:9090\n";  // url on line 3
  CHECK(config_error(head + "  bearer_token_file: /t\n  basic_auth:\n    username: u\n    password_file: /p\n") ==
        "cfg.yaml: prometheus.basic_auth (line 6): give either bearer_token_file or basic_auth, not both");
  CHECK(config_error(head + "  basic_auth:\n    username: u\n") ==
        "cfg.yaml: prometheus.basic_auth (line 5): needs both username and password_file");
  CHECK(config_error(head + "  basic_auth:\n    username: u\n    password: p\n") ==
        "cfg.yaml: prometheus.basic_auth.password (line 6): unknown key (known: password_file, username)");
  CHECK(config_error(head + "  labels:\n    namespace: 1ns\n") ==
        "cfg.yaml: prometheus.labels.namespace (line 5): expected a Prometheus label name such as namespace");
  CHECK(config_error(head + "  labels:\n    pod: kubernetes-pod\n") ==
        "cfg.yaml: prometheus.labels.pod (line 5): expected a Prometheus label name such as namespace");
  CHECK(config_error(head + "  labels:\n    pod: \"\"\n") ==
        "cfg.yaml: prometheus.labels.pod (line 5): expected a Prometheus label name such as namespace");
  CHECK(config_error(head + "  labels:\n    pod: 'pod\"}'\n") ==
        "cfg.yaml: prometheus.labels.pod (line 5): expected a Prometheus label name such as namespace");
  CHECK(config_error(head + "  labels:\n    container: c\n") ==
        "cfg.yaml: prometheus.labels.container (line 5): unknown key (known: namespace, pod)");
  CHECK(config_error(head + "  slo:\n    cpu_utilization: [0.8, 0.3]\n") ==
        "cfg.yaml: prometheus.slo.cpu_utilization (line 5): min must not be above max");
  CHECK(config_error(head + "  slo:\n    cpu_utilization: [0.5]\n") ==
        "cfg.yaml: prometheus.slo.cpu_utilization (line 5): expected [min, max] as fractions of the CPU requested, e.g. [0.4, 0.7]");
  CHECK(config_error(head + "  slo:\n    cpu_utilization: [0.5, 11]\n") ==
        "cfg.yaml: prometheus.slo.cpu_utilization[1] (line 5): must be between 0 and 10");
  CHECK(config_error(head + "  slo:\n    cpu_utilization: [-0.1, 0.5]\n") ==
        "cfg.yaml: prometheus.slo.cpu_utilization[0] (line 5): must be between 0 and 10");
  CHECK(config_error(head + "  poll_interval: 4s\n") == "cfg.yaml: prometheus.poll_interval (line 4): must be between 5s and 1h");
  CHECK(config_error(head + "  poll_interval: 2h\n") == "cfg.yaml: prometheus.poll_interval (line 4): must be between 5s and 1h");
  CHECK(config_error(head + "  poll_interval: soon\n") ==
        "cfg.yaml: prometheus.poll_interval (line 4): expected a duration such as 30s, 5m or 1h");
  CHECK(config_error(head + "  request_timeout: 500ms\n") ==
        "cfg.yaml: prometheus.request_timeout (line 4): must be between 1s and 2m");
  CHECK(config_error(head + "  request_timeout: 3m\n") == "cfg.yaml: prometheus.request_timeout (line 4): must be between 1s and 2m");
  CHECK(config_error(head + "  slo:\n    queue_time_p95: 0s\n") ==
        "cfg.yaml: prometheus.slo.queue_time_p95 (line 5): must be between 1s and 24h");
  CHECK(config_error(head + "  slo:\n    queue_time_p95: 25h\n") ==
        "cfg.yaml: prometheus.slo.queue_time_p95 (line 5): must be between 1s and 24h");
  CHECK(config_error(head + "  slo:\n    failure_rate: 1.5\n") ==
        "cfg.yaml: prometheus.slo.failure_rate (line 5): must be between 0 and 1");
  CHECK(config_error(head + "  slo:\n    failure_rate: lots\n") ==
        "cfg.yaml: prometheus.slo.failure_rate (line 5): expected a number");
  CHECK(config_error(head + "  slo:\n    min_jobs: 0\n") ==
        "cfg.yaml: prometheus.slo.min_jobs (line 5): must be between 1 and 1000000");
  CHECK(config_error(head + "  slo:\n    p95: 1m\n") ==
        "cfg.yaml: prometheus.slo.p95 (line 5): unknown key (known: cpu_utilization, failure_rate, min_jobs, queue_time_p95)");
  CHECK(config_error(head + "  urll: http://q\n") ==
        "cfg.yaml: prometheus.urll (line 4): unknown key (known: basic_auth, bearer_token_file, ca_file, caches, "
        "insecure_skip_tls_verify, labels, poll_interval, request_timeout, slo, url)");
  CHECK(config_error(head + "  insecure_skip_tls_verify: maybe\n") ==
        "cfg.yaml: prometheus.insecure_skip_tls_verify (line 4): expected true or false");
  CHECK(config_error(head + "  caches: bazel\n") ==
        "cfg.yaml: prometheus.caches (line 4): expected a list of {name, hits, misses}");
  CHECK(config_error(head + "  caches:\n    - name: bazel\n      hits: h_total\n") ==
        "cfg.yaml: prometheus.caches[0].misses (line 5): is required");
  CHECK(config_error(head + "  caches:\n    - name: ''\n      hits: h\n      misses: m\n") ==
        "cfg.yaml: prometheus.caches[0].name (line 5): must not be empty");
  CHECK(config_error(head + "  caches:\n    - name: b\n      hits: h\n      misses: m\n      ratio: x\n") ==
        "cfg.yaml: prometheus.caches[0].ratio (line 8): unknown key (known: hits, misses, name)");
  CHECK(config_error("state_dir: /x\nprometheus:\n  poll_interval: 10s\n") ==
        "cfg.yaml: prometheus.url (line 3): is required (http://prometheus:9090)");
  CHECK(config_error("state_dir: /x\nprometheus:\n  url: prometheus:9090\n") ==
        "cfg.yaml: prometheus.url (line 3): expected an http(s) URL such as http://prometheus:9090");
  CHECK(config_error("state_dir: /x\nprometheus: [http://p:9090]\n") == "cfg.yaml: prometheus (line 2): expected a mapping");
  CHECK(config_error("state_dir: /x\nprometheus:\n  url: http://admin:hunter2@p:9090/prom\n") ==
        "cfg.yaml: prometheus.url (line 3): must not carry credentials (user:password@); use the credential files "
        "instead");
}

// =============================================================================================
// 7. Fleet metrics

namespace {

/// A fleet: two GitLab Deployments, two ARC scale sets (one with a listener, one at zero with
/// its listener known only by name), an idle GitLab runner with no series.
std::vector<runner_view> fleet_runners() {
  auto docker = runner("gitlab", "gitlab-runners", "docker-runner",
                       {"gitlab-runners/docker-runner-7d9f8c6b5f-x2kpl", "gitlab-runners/docker-runner-7d9f8c6b5f-q8w7e"});
  auto large = runner("gitlab", "gitlab-runners", "docker-runner-large", {"gitlab-runners/docker-runner-large-5c6d7e8f9a-abcde"});
  auto nix = runner("github", "arc-runners", "gh-nix", {"arc-runners/gh-nix-x7k2p-runner-abcde"});
  nix.listener = listener_view{"gh-nix-754b578d-listener", "arc-systems", true};
  auto small = runner("github", "arc-runners", "gh-small");
  auto idle = runner("gitlab", "gitlab-runners", "idle-runner", {"gitlab-runners/idle-runner-55d6c7b8f9-aaaaa"});
  return {docker, large, nix, small, idle};
}

batch_results fleet_batch_results() {
  const std::string gl = "gitlab-runners", arc = "arc-runners", sys = "arc-systems";
  const std::string x2kpl = "docker-runner-7d9f8c6b5f-x2kpl", q8w7e = "docker-runner-7d9f8c6b5f-q8w7e";
  const std::string gone = "docker-runner-6b5f4d3c2a-zzzzz";  // an old ReplicaSet's pod
  const std::string listener = "gh-nix-754b578d-listener";
  batch_results in;
  in.evaluated_at = t0();
  in.results[batch_id::gitlab_jobs] = vec({
      pod_series(gl, x2kpl, 30),
      pod_series(gl, gone, 20),
      pod_series(gl, "docker-runner-large-5c6d7e8f9a-abcde", 5),
      pod_series(gl, "other-app-6f7d8c9b5-kxk2p", 7),  // no runner's
      pod_series(gl, "docker-runner-7d9f8c6b5f-nanan", std::nullopt),  // NaN: skipped entirely
  });
  in.results[batch_id::gitlab_failed] = vec({pod_series(gl, x2kpl, 2)});
  in.results[batch_id::gitlab_queue] = vec({
      pod_series(gl, x2kpl, 10, {{"le", "1"}}),
      pod_series(gl, x2kpl, 20, {{"le", "3"}}),
      pod_series(gl, x2kpl, 25, {{"le", "10"}}),
      pod_series(gl, x2kpl, 25, {{"le", "+Inf"}}),
      pod_series(gl, q8w7e, 5, {{"le", "1"}}),
      pod_series(gl, q8w7e, 10, {{"le", "3"}}),
      pod_series(gl, q8w7e, 25, {{"le", "10"}}),
      pod_series(gl, q8w7e, 25, {{"le", "+Inf"}}),
      pod_series(gl, q8w7e, 99, {{"le", "bogus"}}),  // ignored
  });
  in.results[batch_id::gitlab_running] = vec({pod_series(gl, x2kpl, 3), pod_series(gl, "other-app-6f7d8c9b5-kxk2p", 1)});
  in.results[batch_id::github_jobs] = vec({
      pod_series(sys, listener, 40, {{"job_result", "succeeded"}}),
      pod_series(sys, listener, 10, {{"job_result", "failed"}}),
      pod_series(sys, "gh-small-1a2b3c4d-listener", 4, {{"job_result", "succeeded"}}),
  });
  in.results[batch_id::github_startup] = vec({
      pod_series(sys, listener, 20, {{"le", "1"}}),
      pod_series(sys, listener, 45, {{"le", "5"}}),
      pod_series(sys, listener, 50, {{"le", "+Inf"}}),
  });
  in.results[batch_id::github_gauges] = vec({
      pod_series(sys, listener, 3, {{"__name__", "gha_assigned_jobs"}}),
      pod_series(sys, listener, 2, {{"__name__", "gha_running_jobs"}}),
      pod_series(sys, listener, 2, {{"__name__", "gha_busy_runners"}}),
      pod_series(sys, listener, 5, {{"__name__", "gha_registered_runners"}}),
      pod_series(sys, listener, 9, {{"__name__", "gha_idle_runners"}}),  // not one of ours: ignored
  });
  in.results[batch_id::cpu] = vec({
      pod_series(gl, x2kpl, 0.5),
      pod_series(gl, q8w7e, 0.25),
      pod_series(gl, "docker-runner-large-5c6d7e8f9a-abcde", 0.25),
      pod_series(arc, "gh-nix-x7k2p-runner-abcde", 1.0),
      pod_series(arc, "gh-nix-q1w2e-runner-zyxwv", 0.5),  // a finished ephemeral runner
      pod_series(sys, "arc-gha-rs-controller-6f7d8c9b5-kxk2p", 0.25),  // no runner's
  });
  in.results[batch_id::memory] = vec({
      pod_series(gl, x2kpl, 1e9),
      pod_series(arc, "gh-nix-x7k2p-runner-abcde", 2e9),
      pod_series(gl, "idle-runner-55d6c7b8f9-aaaaa", std::nullopt),  // NaN: the idle runner stays without values
      pod_series(gl, "stranger-6f7d8c9b5-nnnnn", std::nullopt),      // NaN: not even unattributed
  });
  in.results[batch_id::cpu_requests] = vec({
      pod_series(gl, x2kpl, 1),
      pod_series(gl, q8w7e, 1),
      pod_series(arc, "gh-nix-x7k2p-runner-abcde", 2.5),
      pod_series(sys, "arc-gha-rs-controller-6f7d8c9b5-kxk2p", 0.5),  // no runner's
  });
  in.caches.push_back({"bazel", 90, 10, 0.9, ""});
  return in;
}

}  // namespace

TEST_CASE("runner_pods_of gives the queries' view of a runner", "[prometheus]") {
  auto runners = fleet_runners();
  auto gl = runner_pods_of(runners[0]);
  REQUIRE(gl);
  CHECK(gl->forge == "gitlab");
  CHECK(gl->ns == "gitlab-runners");
  CHECK(gl->name == "docker-runner");
  CHECK_FALSE(gl->listener_ns);
  CHECK_FALSE(gl->listener_pod);
  auto gh = runner_pods_of(runners[2]);
  REQUIRE(gh);
  CHECK(gh->forge == "github");
  CHECK(gh->listener_ns == "arc-systems");
  CHECK(gh->listener_pod == "gh-nix-754b578d-listener");
  CHECK(runner_pods_of(runners[3])->listener_pod == std::nullopt);
  auto odd = runners[0];
  odd.forge = "";
  CHECK_FALSE(runner_pods_of(odd));
  odd.forge = "jenkins";
  CHECK_FALSE(runner_pods_of(odd));
}

TEST_CASE("series are attributed to runners by pod, naming pattern and listener", "[prometheus]") {
  prometheus_config cfg;
  auto m = summarize_metrics(fleet_batch_results(), fleet_runners(), cfg, "1h");
  CHECK(m.window == "1h");
  CHECK(m.as_of == t0());
  REQUIRE(m.caches.size() == 1);
  CHECK(m.caches[0].name == "bazel");
  CHECK(m.failed_queries.empty());
  // other-app in gitlab_jobs and gitlab_running, the controller in cpu and cpu_requests.
  CHECK(m.unattributed_series == 4);

  // Runners with values, in snapshot order; the idle runner has none.
  REQUIRE(m.runners.size() == 4);
  CHECK(m.runners[0].name == "docker-runner");
  CHECK(m.runners[1].name == "docker-runner-large");
  CHECK(m.runners[2].name == "gh-nix");
  CHECK(m.runners[3].name == "gh-small");
  CHECK(find_runner(m, "idle-runner") == nullptr);
  CHECK(m.runners[0].cluster == "prod");
  CHECK(m.runners[0].ns == "gitlab-runners");
  CHECK(m.runners[0].forge == "gitlab");

  const auto& docker = m.runners[0].usage;  // exact pods + the gone pod by Deployment naming
  CHECK(val(docker.jobs) == Approx(50));
  CHECK(val(docker.failed_jobs) == Approx(2));
  CHECK(val(docker.failure_rate) == Approx(0.04));
  // Buckets of both pods merged: {1:15, 3:30, 10:50, +Inf:50}.
  CHECK(val(docker.queue_seconds.p50) == Approx(1 + 2 * (10.0 / 15)));
  CHECK(val(docker.queue_seconds.p95) == Approx(3 + 7 * (17.5 / 20)));
  CHECK(val(docker.queue_seconds.p99) == Approx(3 + 7 * (19.5 / 20)));
  CHECK(val(docker.running_jobs) == Approx(3));
  CHECK(val(docker.cpu_cores) == Approx(0.75));
  CHECK(val(docker.cpu_requested_cores) == Approx(2));
  CHECK(val(docker.cpu_utilization) == Approx(0.375));
  CHECK(val(docker.memory_bytes) == Approx(1e9));
  CHECK_FALSE(docker.assigned_jobs);
  CHECK_FALSE(docker.busy_runners);
  CHECK_FALSE(docker.registered_runners);

  const auto& large = m.runners[1].usage;  // jobs but no failed series, CPU but no requests
  CHECK(val(large.jobs) == Approx(5));
  CHECK_FALSE(large.failed_jobs);
  CHECK_FALSE(large.failure_rate);
  CHECK(large.queue_seconds == quantiles{});
  CHECK_FALSE(large.running_jobs);
  CHECK(val(large.cpu_cores) == Approx(0.25));
  CHECK_FALSE(large.cpu_requested_cores);
  CHECK_FALSE(large.cpu_utilization);
  CHECK_FALSE(large.memory_bytes);

  const auto& nix = m.runners[2].usage;  // job metrics via its listener, a finished pod by ARC naming
  CHECK(val(nix.jobs) == Approx(50));
  CHECK(val(nix.failed_jobs) == Approx(10));
  CHECK(val(nix.failure_rate) == Approx(0.2));
  CHECK(val(nix.queue_seconds.p50) == Approx(1.8));
  CHECK(nix.queue_seconds.p95 == 5.0);
  CHECK(nix.queue_seconds.p99 == 5.0);
  CHECK(val(nix.assigned_jobs) == Approx(3));
  CHECK(val(nix.running_jobs) == Approx(2));
  CHECK(val(nix.busy_runners) == Approx(2));
  CHECK(val(nix.registered_runners) == Approx(5));
  CHECK(val(nix.cpu_cores) == Approx(1.5));
  CHECK(val(nix.cpu_requested_cores) == Approx(2.5));
  CHECK(val(nix.cpu_utilization) == Approx(0.6));
  CHECK(val(nix.memory_bytes) == Approx(2e9));

  const auto& small = m.runners[3].usage;  // only its listener's name
  CHECK(val(small.jobs) == Approx(4));
  CHECK_FALSE(small.failed_jobs);
  CHECK_FALSE(small.failure_rate);
  CHECK_FALSE(small.cpu_cores);
}

TEST_CASE("per-forge and fleet sums", "[prometheus]") {
  prometheus_config cfg;
  auto m = summarize_metrics(fleet_batch_results(), fleet_runners(), cfg, "1h");
  REQUIRE(m.forges.size() == 2);
  REQUIRE(m.forges.count("gitlab"));
  REQUIRE(m.forges.count("github"));
  const auto& gl = m.forges.at("gitlab");
  // Job metrics count for their forge whether or not a runner owns the pod.
  CHECK(val(gl.jobs) == Approx(62));
  CHECK(val(gl.failed_jobs) == Approx(2));
  CHECK(val(gl.failure_rate) == Approx(2.0 / 62));
  CHECK(val(gl.running_jobs) == Approx(4));
  CHECK(val(gl.queue_seconds.p95) == Approx(3 + 7 * (17.5 / 20)));
  // CPU and memory count for a forge only through its runners.
  CHECK(val(gl.cpu_cores) == Approx(1.0));
  CHECK(val(gl.cpu_requested_cores) == Approx(2));
  CHECK(val(gl.cpu_utilization) == Approx(0.5));
  CHECK(val(gl.memory_bytes) == Approx(1e9));
  CHECK_FALSE(gl.busy_runners);

  const auto& gh = m.forges.at("github");
  CHECK(val(gh.jobs) == Approx(54));
  CHECK(val(gh.failed_jobs) == Approx(10));
  CHECK(val(gh.failure_rate) == Approx(10.0 / 54));
  CHECK(val(gh.queue_seconds.p50) == Approx(1.8));
  CHECK(val(gh.running_jobs) == Approx(2));
  CHECK(val(gh.assigned_jobs) == Approx(3));
  CHECK(val(gh.busy_runners) == Approx(2));
  CHECK(val(gh.registered_runners) == Approx(5));
  CHECK(val(gh.cpu_cores) == Approx(1.5));
  CHECK(val(gh.cpu_requested_cores) == Approx(2.5));
  CHECK(val(gh.memory_bytes) == Approx(2e9));

  const auto& f = m.fleet;  // everything, unattributed pods included
  CHECK(val(f.jobs) == Approx(116));
  CHECK(val(f.failed_jobs) == Approx(12));
  CHECK(val(f.failure_rate) == Approx(12.0 / 116));
  CHECK(val(f.running_jobs) == Approx(6));
  CHECK(val(f.assigned_jobs) == Approx(3));
  CHECK(val(f.busy_runners) == Approx(2));
  CHECK(val(f.registered_runners) == Approx(5));
  CHECK(val(f.cpu_cores) == Approx(2.75));
  CHECK(val(f.cpu_requested_cores) == Approx(5));
  CHECK(val(f.cpu_utilization) == Approx(0.55));
  CHECK(val(f.memory_bytes) == Approx(3e9));
}

TEST_CASE("missing series stay no data, never zero", "[prometheus]") {
  prometheus_config cfg;
  auto runners = fleet_runners();
  auto empty = summarize_metrics({}, runners, cfg, "1h");
  CHECK(empty.runners.empty());
  CHECK(empty.forges.empty());
  CHECK(empty.fleet == usage_metrics{});
  CHECK_FALSE(empty.fleet.jobs);
  CHECK(empty.slo.empty());
  CHECK(empty.unattributed_series == 0);

  // Failure rate needs both counts, and jobs above zero.
  auto rate_of = [&](std::optional<double> jobs, std::optional<double> failed) {
    batch_results in;
    if (jobs) in.results[batch_id::gitlab_jobs] = vec({pod_series("gitlab-runners", "docker-runner-7d9f8c6b5f-x2kpl", *jobs)});
    if (failed)
      in.results[batch_id::gitlab_failed] = vec({pod_series("gitlab-runners", "docker-runner-7d9f8c6b5f-x2kpl", *failed)});
    return summarize_metrics(in, runners, cfg, "1h");
  };
  CHECK(rate_of(10, 1).runners.at(0).usage.failure_rate == Approx(0.1));
  CHECK_FALSE(rate_of(10, std::nullopt).runners.at(0).usage.failure_rate);
  CHECK_FALSE(rate_of(std::nullopt, 1).runners.at(0).usage.failure_rate);
  CHECK_FALSE(rate_of(0, 0).runners.at(0).usage.failure_rate);
  CHECK(rate_of(0, 0).runners.at(0).usage.jobs == 0.0);  // a zero that Prometheus said stays a zero
  CHECK(rate_of(2, 5).runners.at(0).usage.failure_rate == 1.0);  // capped

  // CPU utilization needs requests above zero.
  batch_results cpu;
  cpu.results[batch_id::cpu] = vec({pod_series("gitlab-runners", "docker-runner-7d9f8c6b5f-x2kpl", 0.5)});
  cpu.results[batch_id::cpu_requests] = vec({pod_series("gitlab-runners", "docker-runner-7d9f8c6b5f-x2kpl", 0)});
  auto c = summarize_metrics(cpu, runners, cfg, "1h");
  REQUIRE(c.runners.size() == 1);
  CHECK(c.runners[0].usage.cpu_cores == 0.5);
  CHECK(c.runners[0].usage.cpu_requested_cores == 0.0);
  CHECK_FALSE(c.runners[0].usage.cpu_utilization);
  CHECK_FALSE(c.runners[0].usage.jobs);
  CHECK_FALSE(c.runners[0].usage.memory_bytes);
}

TEST_CASE("a failed query leaves its values empty and is reported", "[prometheus]") {
  prometheus_config cfg;
  auto in = fleet_batch_results();
  in.results.erase(batch_id::gitlab_queue);
  in.errors[batch_id::gitlab_queue] = "gitlab_queue: Prometheus timeout (HTTP 503): query timed out in expression evaluation";
  in.results.erase(batch_id::memory);
  in.errors[batch_id::memory] = "memory: Prometheus answered HTTP 502 with a body that is not its API's JSON: Bad Gateway";
  auto m = summarize_metrics(in, fleet_runners(), cfg, "1h");
  CHECK(m.failed_queries ==
        std::vector<std::string>{"gitlab_queue: Prometheus timeout (HTTP 503): query timed out in expression evaluation",
                                 "memory: Prometheus answered HTTP 502 with a body that is not its API's JSON: Bad Gateway"});
  const auto* docker = find_runner(m, "docker-runner");
  REQUIRE(docker);
  CHECK(docker->usage.queue_seconds == quantiles{});
  CHECK_FALSE(docker->usage.memory_bytes);
  CHECK(val(docker->usage.jobs) == Approx(50));  // the others are unaffected
  CHECK_FALSE(m.forges.at("gitlab").queue_seconds.p95);
  CHECK(m.forges.at("github").queue_seconds.p95 == 5.0);
  CHECK_FALSE(m.fleet.memory_bytes);
  const auto* q = find_slo(m, "docker-runner", "queue_time_p95");
  REQUIRE(q);
  CHECK(q->state == "no_data");
  CHECK(q->message == "docker-runner: queue time not judged: no queue-time histogram");
}

TEST_CASE("SLOs are judged per runner and per forge", "[prometheus]") {
  prometheus_config cfg;
  auto m = summarize_metrics(fleet_batch_results(), fleet_runners(), cfg, "1h");
  // Three objectives for each of four runners, then each forge (github, gitlab).
  REQUIRE(m.slo.size() == 18);
  CHECK(m.slo[0].runner == "docker-runner");
  CHECK(m.slo[0].objective == "queue_time_p95");
  CHECK(m.slo[1].objective == "failure_rate");
  CHECK(m.slo[2].objective == "cpu_utilization");
  CHECK(m.slo[12].scope == "forge");
  CHECK(m.slo[12].forge == "github");
  CHECK(m.slo[15].forge == "gitlab");

  const auto* q = find_slo(m, "docker-runner", "queue_time_p95");
  REQUIRE(q);
  CHECK(q->scope == "runner");
  CHECK(q->forge == "gitlab");
  CHECK(q->cluster == "prod");
  CHECK(q->target == "< 60 s");
  CHECK(val(q->value) == Approx(9.125));
  CHECK(q->state == "met");
  CHECK(q->message == "docker-runner: queue time p95 9.1 s is within the < 60 s target (last 1h)");

  const auto* f = find_slo(m, "docker-runner", "failure_rate");
  REQUIRE(f);
  CHECK(f->target == "< 2 %");
  CHECK(val(f->value) == Approx(0.04));
  CHECK(f->state == "breached");
  CHECK(f->message == "docker-runner: 4 % of 50 jobs failed, over the < 2 % target (last 1h)");

  const auto* c = find_slo(m, "docker-runner", "cpu_utilization");
  REQUIRE(c);
  CHECK(val(c->value) == Approx(0.375));
  CHECK(c->state == "breached");
  CHECK_THAT(c->message, Catch::StartsWith("docker-runner: CPU at 37.5 % of its requests, under the "));

  const auto* nix_cpu = find_slo(m, "gh-nix", "cpu_utilization");
  REQUIRE(nix_cpu);
  CHECK(nix_cpu->state == "met");
  CHECK_THAT(nix_cpu->message, Catch::StartsWith("gh-nix: CPU at 60 % of its requests, within the "));
  const auto* nix_q = find_slo(m, "gh-nix", "queue_time_p95");
  REQUIRE(nix_q);
  CHECK(nix_q->state == "met");
  CHECK(nix_q->message == "gh-nix: queue time p95 5 s is within the < 60 s target (last 1h)");
  const auto* nix_f = find_slo(m, "gh-nix", "failure_rate");
  REQUIRE(nix_f);
  CHECK(nix_f->state == "breached");
  CHECK(nix_f->message == "gh-nix: 20 % of 50 jobs failed, over the < 2 % target (last 1h)");

  // Fewer jobs than min_jobs: rates are not judged.
  const auto* lq = find_slo(m, "docker-runner-large", "queue_time_p95");
  REQUIRE(lq);
  CHECK(lq->state == "no_data");
  CHECK_FALSE(lq->value);
  CHECK(lq->message == "docker-runner-large: queue time not judged: 5 jobs in the last 1h (fewer than slo.min_jobs 10)");
  const auto* lf = find_slo(m, "docker-runner-large", "failure_rate");
  REQUIRE(lf);
  CHECK(lf->state == "no_data");
  CHECK(lf->message == "docker-runner-large: failure rate not judged: 5 jobs in the last 1h (fewer than slo.min_jobs 10)");
  const auto* lc = find_slo(m, "docker-runner-large", "cpu_utilization");
  REQUIRE(lc);
  CHECK(lc->state == "no_data");
  CHECK(lc->message == "docker-runner-large: CPU utilization not judged: no CPU requests (kube_pod_container_resource_requests)");
  const auto* sc = find_slo(m, "gh-small", "cpu_utilization");
  REQUIRE(sc);
  CHECK(sc->message == "gh-small: CPU utilization not judged: no CPU usage series");

  // Forges.
  const auto* glf = find_slo(m, "gitlab", "failure_rate");
  REQUIRE(glf);
  CHECK(glf->scope == "forge");
  CHECK(glf->runner.empty());
  CHECK(glf->cluster.empty());
  CHECK(glf->state == "breached");
  CHECK(glf->message == "gitlab: 3.2 % of 62 jobs failed, over the < 2 % target (last 1h)");
  const auto* glc = find_slo(m, "gitlab", "cpu_utilization");
  REQUIRE(glc);
  CHECK(glc->state == "met");
  const auto* ghq = find_slo(m, "github", "queue_time_p95");
  REQUIRE(ghq);
  CHECK(ghq->state == "met");

  // One warning per breached result.
  auto attention = slo_attention(m);
  std::vector<attention_item> want;
  for (const auto& r : m.slo)
    if (r.state == "breached")
      want.push_back({"warning", r.runner, "slo_" + r.objective,
                      r.runner.empty() ? r.message : r.message.substr(r.runner.size() + 2)});
  CHECK(want.size() == 5);
  CHECK(attention == want);
  REQUIRE(attention.size() == 5);
  CHECK(attention[0] == attention_item{"warning", "docker-runner", "slo_failure_rate",
                                       "4 % of 50 jobs failed, over the < 2 % target (last 1h)"});
  CHECK(attention[1].reason == "slo_cpu_utilization");
  CHECK(attention[2].runner == "gh-nix");
  CHECK(attention[3].runner.empty());  // github forge
  CHECK(attention[4].message == "gitlab: 3.2 % of 62 jobs failed, over the < 2 % target (last 1h)");
}

TEST_CASE("SLO thresholds, min_jobs and missing histograms", "[prometheus]") {
  prometheus_config cfg;
  cfg.slo.min_jobs = 1;
  cfg.slo.failure_rate = 0.25;
  cfg.slo.queue_time_p95_seconds = 4;
  cfg.slo.cpu_utilization_min = 0.1;
  cfg.slo.cpu_utilization_max = 0.5;
  auto m = summarize_metrics(fleet_batch_results(), fleet_runners(), cfg, "6h");
  const auto* lq = find_slo(m, "docker-runner-large", "queue_time_p95");
  REQUIRE(lq);
  CHECK(lq->state == "no_data");  // enough jobs now, but no histogram
  CHECK(lq->message == "docker-runner-large: queue time not judged: no queue-time histogram");
  const auto* lf = find_slo(m, "docker-runner-large", "failure_rate");
  REQUIRE(lf);
  CHECK(lf->message ==
        "docker-runner-large: failure rate not judged: no failed-jobs series (no failure reported since the exporter started)");
  const auto* nf = find_slo(m, "gh-nix", "failure_rate");
  REQUIRE(nf);
  CHECK(nf->target == "< 25 %");
  CHECK(nf->state == "met");
  CHECK(nf->message == "gh-nix: 20 % of 50 jobs failed, within the < 25 % target (last 6h)");
  const auto* nq = find_slo(m, "gh-nix", "queue_time_p95");
  REQUIRE(nq);
  CHECK(nq->target == "< 4 s");
  CHECK(nq->state == "breached");
  CHECK(nq->message == "gh-nix: queue time p95 5 s is over the < 4 s target (last 6h)");
  const auto* nc = find_slo(m, "gh-nix", "cpu_utilization");
  REQUIRE(nc);
  CHECK(nc->state == "breached");
  CHECK_THAT(nc->message, Catch::StartsWith("gh-nix: CPU at 60 % of its requests, over the "));
  const auto* dc = find_slo(m, "docker-runner", "cpu_utilization");
  REQUIRE(dc);
  CHECK(dc->state == "met");
  CHECK_THAT(dc->message, Catch::StartsWith("docker-runner: CPU at 37.5 % of its requests, within the "));

  // A value exactly at a threshold is met.
  prometheus_config exact;
  exact.slo.failure_rate = 0.2;
  exact.slo.queue_time_p95_seconds = 5;
  auto e = summarize_metrics(fleet_batch_results(), fleet_runners(), exact, "1h");
  CHECK(find_slo(e, "gh-nix", "failure_rate")->state == "met");
  CHECK(find_slo(e, "gh-nix", "queue_time_p95")->state == "met");
  CHECK(slo_attention(e).size() == 3);  // docker-runner failure and CPU, gitlab failure
}

TEST_CASE("the CPU target reads as documented, 40-70 %", "[prometheus]") {
  prometheus_config cfg;
  auto m = summarize_metrics(fleet_batch_results(), fleet_runners(), cfg, "1h");
  const auto* c = find_slo(m, "docker-runner", "cpu_utilization");
  REQUIRE(c);
  CHECK(c->target == "40-70 %");
  CHECK(c->message == "docker-runner: CPU at 37.5 % of its requests, under the 40-70 % target");
}

TEST_CASE("attribution edge cases", "[prometheus]") {
  prometheus_config cfg;
  // Scale set names containing "-runner-", the controller's default "arc-runner-set" among them.
  auto set = runner("github", "arc-runners", "arc-runner-set");
  auto my = runner("github", "arc-runners", "my-runner-x");
  // Two GitHub runners called "twin" in different namespaces: their listener name is ambiguous.
  auto twin_a = runner("github", "team-a", "twin");
  auto twin_b = runner("github", "team-b", "twin");
  // A GitLab runner whose name is a prefix of another's.
  auto docker = runner("gitlab", "gitlab-runners", "docker");
  auto docker_runner = runner("gitlab", "gitlab-runners", "docker-runner");
  // A listener the snapshot knows under a name no pattern would guess.
  auto custom = runner("github", "arc-runners", "custom-set");
  custom.listener = listener_view{"listener-of-custom", "arc-systems", true};
  std::vector<runner_view> runners = {set, my, twin_a, twin_b, docker, docker_runner, custom};
  batch_results jobs;
  jobs.results[batch_id::github_jobs] = vec({pod_series("arc-systems", "listener-of-custom", 12, {{"job_result", "succeeded"}})});
  auto j = summarize_metrics(jobs, runners, cfg, "1h");
  REQUIRE(j.runners.size() == 1);
  CHECK(j.runners[0].name == "custom-set");
  CHECK(j.runners[0].usage.jobs == 12.0);
  CHECK(j.unattributed_series == 0);

  batch_results in;
  in.results[batch_id::cpu] = vec({
      pod_series("arc-runners", "arc-runner-set-x7k2p-runner-abcde", 1),
      pod_series("arc-runners", "my-runner-x-x7k2p-runner-abcde", 2),
      pod_series("arc-systems", "twin-754b578d-listener", 4),
      pod_series("gitlab-runners", "docker-runner-7d9f8c6b5f-x2kpl", 8),
      pod_series("gitlab-runners", "docker-7d9f8c6b5f-x2kpl", 16),
      pod_series("other-ns", "docker-runner-7d9f8c6b5f-x2kpl", 32),  // right name, wrong namespace
      pod_series("arc-runners", "docker-runner-7d9f8c6b5f-x2kpl", 64),
  });
  auto m = summarize_metrics(in, runners, cfg, "1h");
  CHECK(val(find_runner(m, "arc-runner-set") ? find_runner(m, "arc-runner-set")->usage.cpu_cores : std::nullopt) == 1);
  CHECK(val(find_runner(m, "my-runner-x") ? find_runner(m, "my-runner-x")->usage.cpu_cores : std::nullopt) == 2);
  CHECK(find_runner(m, "twin") == nullptr);
  CHECK(val(find_runner(m, "docker-runner") ? find_runner(m, "docker-runner")->usage.cpu_cores : std::nullopt) == 8);
  CHECK(val(find_runner(m, "docker") ? find_runner(m, "docker")->usage.cpu_cores : std::nullopt) == 16);
  CHECK(m.unattributed_series == 3);
  CHECK(val(m.fleet.cpu_cores) == Approx(127));
  CHECK(val(m.forges.at("gitlab").cpu_cores) == Approx(24));
  CHECK(val(m.forges.at("github").cpu_cores) == Approx(3));
}

TEST_CASE("attribution reads the configured label names", "[prometheus]") {
  prometheus_config cfg;
  cfg.namespace_label = "kubernetes_namespace";
  cfg.pod_label = "kubernetes_pod_name";
  batch_results in;
  in.results[batch_id::gitlab_jobs] = vec({
      ser({{"kubernetes_namespace", "gitlab-runners"}, {"kubernetes_pod_name", "docker-runner-7d9f8c6b5f-x2kpl"}}, 11),
      ser({{"namespace", "gitlab-runners"}, {"pod", "docker-runner-7d9f8c6b5f-x2kpl"}}, 13),  // the default names: no runner's
  });
  auto m = summarize_metrics(in, fleet_runners(), cfg, "1h");
  REQUIRE(m.runners.size() == 1);
  CHECK(m.runners[0].name == "docker-runner");
  CHECK(m.runners[0].usage.jobs == 11.0);
  CHECK(m.unattributed_series == 1);
  CHECK(val(m.forges.at("gitlab").jobs) == Approx(24));
}

TEST_CASE("queue quantiles are per forge, never one over GitLab's and ARC's unlike histograms", "[prometheus]") {
  // GitLab queue time and ARC startup time have different buckets (GitLab 1, 3, 10, ...; ARC
  // 0.01 ... 1, 2, 3, ...) and mean different things: merged, a bound only one family has (2
  // here) would miss the other's counts and put a p95 above every observation.
  prometheus_config cfg;
  batch_results in;
  const std::string gl = "gitlab-runners", sys = "arc-systems";
  // GitLab: 10 jobs queued ≤ 1 s. ARC: 10 jobs started in (1, 2] s. No observation above 2 s.
  in.results[batch_id::gitlab_queue] = vec({
      pod_series(gl, "a-1-1", 10, {{"le", "1"}}),
      pod_series(gl, "a-1-1", 10, {{"le", "3"}}),
      pod_series(gl, "a-1-1", 10, {{"le", "+Inf"}}),
  });
  in.results[batch_id::github_startup] = vec({
      pod_series(sys, "b-1-listener", 0, {{"le", "1"}}),
      pod_series(sys, "b-1-listener", 10, {{"le", "2"}}),
      pod_series(sys, "b-1-listener", 10, {{"le", "3"}}),
      pod_series(sys, "b-1-listener", 10, {{"le", "+Inf"}}),
  });
  auto m = summarize_metrics(in, {}, cfg, "1h");
  CHECK(m.forges.at("gitlab").queue_seconds.p95 <= 1.0);
  CHECK(m.forges.at("github").queue_seconds.p95 <= 2.0);
  CHECK_FALSE(m.fleet.queue_seconds.p95);
  CHECK_FALSE(m.fleet.queue_seconds.p50);
}
