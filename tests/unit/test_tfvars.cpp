// SPDX-License-Identifier: Apache-2.0
// tfvars: a realistic corpus (tests/data/tfvars) round-trips byte for byte; values read back
// typed; edits change only the edited bytes and insert new keys in the file's style; strings
// written can never become HCL syntax or templates; malformed files are refused with the right
// line and column; mutated corpus files never crash or hang the parser.
#include "common/gitops/tfvars.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace runnerfleet;
using namespace runnerfleet::tfvars;

namespace Catch {
template <>
struct StringMaker<value> {
  static std::string convert(const value& v) { return to_hcl(v) + (v.templated() ? " (templated)" : ""); }
};
}  // namespace Catch

namespace {

const std::vector<std::string> hcl_corpus = {
    "gitlab-runners-dev.tfvars", "gitlab-runners-prod.tfvars", "arc-runners.tfvars",
    "crlf.tfvars",               "no-final-newline.tfvars",    "tricky-strings.tfvars",
};
const std::vector<std::string> json_corpus = {"gitlab-runners.tfvars.json", "arc-runners.tfvars.json"};

std::string corpus(const std::string& name) { return test::read_data("tfvars/" + name); }

document parsed(const std::string& text, format f = format::hcl) {
  auto doc = document::parse(text, f);
  INFO((doc ? std::string() : doc.failure().message));
  REQUIRE(doc);
  return std::move(*doc);
}

// `text` with its single occurrence of `from` replaced by `to`: the exact file an edit must give.
std::string replaced(const std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  return text.substr(0, at) + to + text.substr(at + from.size());
}

std::string to_crlf(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return out;
}

value str(std::string s) { return value::string(std::move(s)); }

value get(const document& doc, const path& p) {
  auto v = doc.get(p);
  INFO(to_string(p) << ": " << (v ? std::string() : v.failure().message));
  REQUIRE(v);
  return *v;
}

void set(document& doc, const path& p, const value& v) {
  auto s = doc.set(p, v);
  INFO(to_string(p) << ": " << (s ? std::string() : s.failure().message));
  REQUIRE(s);
}

// Where two texts differ: before[at, at + removed) became after[at, at + added), found as the
// longest common prefix and suffix.
struct change {
  std::size_t at = 0;
  std::size_t removed = 0;
  std::size_t added = 0;
};

change changed(const std::string& before, const std::string& after) {
  std::size_t p = 0;
  while (p < before.size() && p < after.size() && before[p] == after[p]) ++p;
  std::size_t s = 0;
  while (s < before.size() - p && s < after.size() - p && before[before.size() - 1 - s] == after[after.size() - 1 - s])
    ++s;
  return {p, before.size() - p - s, after.size() - p - s};
}

struct bad_input {
  std::string text;
  std::size_t line;
  std::size_t column;
  std::string message;
};

void check_refused(const bad_input& bad, format f) {
  INFO("input: " << bad.text);
  auto doc = document::parse(bad.text, f);
  REQUIRE_FALSE(doc);
  const auto& e = doc.failure();
  INFO(e.message);
  CHECK(e.code == error_code::invalid_argument);
  CHECK(e.details.value("line", std::size_t{0}) == bad.line);
  CHECK(e.details.value("column", std::size_t{0}) == bad.column);
  CHECK(e.message.find(bad.message) != std::string::npos);
  std::string prefix = "line " + std::to_string(bad.line) + ", column " + std::to_string(bad.column) + ": ";
  CHECK(e.message.rfind(prefix, 0) == 0);
}

}  // namespace

TEST_CASE("every corpus file round-trips byte for byte, LF and CRLF", "[tfvars]") {
  for (const auto& name : hcl_corpus) {
    INFO(name);
    std::string text = corpus(name);
    auto doc = parsed(text);
    CHECK(doc.text() == text);
    CHECK(doc.keys().size() >= 3);
    if (text.find("\r\n") == std::string::npos) {
      std::string crlf = to_crlf(text);
      CHECK(parsed(crlf).text() == crlf);
      CHECK(parsed(crlf).keys() == doc.keys());
    }
  }
  for (const auto& name : json_corpus) {
    INFO(name);
    std::string text = corpus(name);
    CHECK(parsed(text, format::json).text() == text);
    CHECK(parsed(to_crlf(text), format::json).text() == to_crlf(text));
  }
  // The corpus really holds the layouts it claims to (a checkout that rewrote them would not).
  CHECK(corpus("crlf.tfvars").find("\r\n") != std::string::npos);
  CHECK(corpus("crlf.tfvars").find("\n") == corpus("crlf.tfvars").find("\r\n") + 1);
  CHECK(corpus("no-final-newline.tfvars").back() == '"');
}

TEST_CASE("values read back typed, in file order", "[tfvars]") {
  auto dev = parsed(corpus("gitlab-runners-dev.tfvars"));
  CHECK(dev.keys().front() == "cluster_context");
  CHECK(dev.keys().back() == "kubectl_image");
  CHECK(get(dev, {"cluster_context"}) == str("dev-cluster"));
  CHECK(get(dev, {"k8s_config_path"}) == str(""));
  CHECK(get(dev, {"nix_concurrent_jobs"}).as_int() == 6);
  CHECK(get(dev, {"nix_concurrent_jobs"}).type() == kind::number);
  CHECK(get(dev, {"create_namespace"}) == value::boolean(true));
  CHECK(get(dev, {"deploy_dind_runner"}) == value::boolean(false));
  CHECK(get(dev, {"runner_tags"}) == value::list({str("docker"), str("linux"), str("dev")}));
  CHECK(get(dev, {"node_selector"}) ==
        value::object({{"kubernetes.io/os", str("linux")}, {"pool", str("ci")}}));
  CHECK(get(dev, {"tolerations", "0", "effect"}) == str("NoSchedule"));
  // <<- strips the indentation its lines share, and nothing more.
  CHECK(get(dev, {"additional_values"}) == str("runners:\n"
                                               "  config: |\n"
                                               "    [[runners]]\n"
                                               "      environment = [\"FF_TIMESTAMPS=true\"]\n"
                                               "podLabels:\n"
                                               "  team: platform\n"));

  auto prod = parsed(corpus("gitlab-runners-prod.tfvars"));
  CHECK(get(prod, {"ghcr_token"}) == value::null());
  CHECK(get(prod, {"cleanup_offset_seconds"}).as_int() == -30);
  CHECK(get(prod, {"cleanup_offset_seconds"}).text() == "-30");
  CHECK(get(prod, {"hpa_cpu_target_ratio"}).as_double() == 0.75);
  CHECK(get(prod, {"poll_budget"}).text() == "1.5e3");
  CHECK(get(prod, {"poll_budget"}).as_int() == 1500);
  CHECK(get(prod, {"pod_annotations"}) == value::object({}));
  CHECK(get(prod, {"service_monitor_labels", "team"}) == str("platform"));
  auto script = get(prod, {"startup_script"});
  CHECK(script.templated());
  CHECK(script.text() == "#!/bin/sh\n"
                         "echo \"runner ${RUNNER_NAME} starting\"\n"
                         "echo \"escaped ${HOME} and %{ directive }\"\n");

  auto arc = parsed(corpus("arc-runners.tfvars"));
  CHECK(get(arc, {"extra_runner_sets", "gpu", "max_runners"}).as_int() == 2);
  CHECK(get(arc, {"extra_runner_sets", "bazel-heavy", "min_runners"}).as_int() == 1);
  CHECK(get(arc, {"extra_runner_sets", "small", "tags", "1"}) == str("lint"));
  auto sets = get(arc, {"extra_runner_sets"});
  REQUIRE(sets.members().size() == 3);
  CHECK(sets.members()[1].key == "bazel-heavy");
  CHECK(sets.members()[1].val.members().size() == 5);

  auto crlf = parsed(corpus("crlf.tfvars"));
  CHECK(get(crlf, {"runner_tags"}) == value::list({str("windows-edited"), str("crlf")}));
  CHECK(get(crlf, {"notes"}) == str("line one\r\nline two\r\n"));
  CHECK(get(parsed(corpus("no-final-newline.tfvars")), {"docker_job_memory_limit"}) == str("4Gi"));
}

TEST_CASE("strings decode escapes and keep template sequences verbatim, never evaluated", "[tfvars]") {
  auto doc = parsed(corpus("tricky-strings.tfvars"));
  CHECK(get(doc, {"quote_and_backslash"}) == str("say \"hi\" to C:\\runner\\builds"));
  CHECK(get(doc, {"escapes"}) == str("tab\there\nnewline\rreturn"));
  CHECK(get(doc, {"unicode_escapes"}) == str("caf\xc3\xa9 \xf0\x9f\x9a\x80"));
  CHECK(get(doc, {"raw_utf8"}) == str("na\xc3\xafve \xe2\x80\x94 \xe2\x9c\x93"));
  CHECK(get(doc, {"literal_dollar"}) == str("cost: $5, 100% sure, ${not_interpolated} %{not_a_directive}"));
  CHECK(get(doc, {"interpolation"}) == value::template_string("prefix-${var.environment}-suffix"));
  CHECK(get(doc, {"nested_quotes"}) == value::template_string("${join(\",\", [\"a\", \"b\"])}"));
  CHECK(get(doc, {"directive"}) == value::template_string("%{ if var.enabled }on%{ else }off%{ endif }"));
  CHECK(get(doc, {"comment_lookalikes"}) == str("# not a comment // nor this /* nor this */"));
  CHECK(get(doc, {"brace_soup"}) == str("{ } [ ] = : ,"));
  CHECK(get(doc, {"odd_dollars"}) == str("$$${x} $ % $$ %%"));
  CHECK_FALSE(get(doc, {"literal_dollar"}).templated());
}

TEST_CASE("setting a value replaces only that value's bytes, typed", "[tfvars]") {
  std::string dev_text = corpus("gitlab-runners-dev.tfvars");
  auto dev = parsed(dev_text);

  SECTION("a number stays a number") {
    set(dev, {"nix_concurrent_jobs"}, value::integer(12));
    CHECK(dev.text() == replaced(dev_text, "nix_concurrent_jobs    = 6\n", "nix_concurrent_jobs    = 12\n"));
  }
  SECTION("a bool keeps the comment after it") {
    set(dev, {"deploy_dind_runner"}, value::boolean(true));
    CHECK(dev.text() == replaced(dev_text, "deploy_dind_runner   = false # flip", "deploy_dind_runner   = true # flip"));
  }
  SECTION("a string, then null, never quoted") {
    set(dev, {"docker_job_memory_limit"}, str("6Gi"));
    CHECK(dev.text() == replaced(dev_text, "docker_job_memory_limit   = \"4Gi\"", "docker_job_memory_limit   = \"6Gi\""));
    set(dev, {"docker_job_memory_limit"}, value::null());
    CHECK(dev.text() == replaced(dev_text, "docker_job_memory_limit   = \"4Gi\"", "docker_job_memory_limit   = null"));
  }
  SECTION("decimals and literals keep their exact text") {
    set(dev, {"nix_hpa_max_replicas"}, value::real(0.5));
    CHECK(dev.text() == replaced(dev_text, "nix_hpa_max_replicas   = 5\n", "nix_hpa_max_replicas   = 0.5\n"));
    set(dev, {"nix_hpa_max_replicas"}, value::number("-1.25e-3"));
    CHECK(dev.text() == replaced(dev_text, "nix_hpa_max_replicas   = 5\n", "nix_hpa_max_replicas   = -1.25e-3\n"));
  }
  SECTION("a list of scalars stays on one line") {
    set(dev, {"runner_tags"}, value::list({str("a"), value::integer(1), value::boolean(false), value::null()}));
    CHECK(dev.text() == replaced(dev_text, "runner_tags = [\n  \"docker\",\n  \"linux\",\n  \"dev\", # the dev-only tag\n]",
                                 "runner_tags = [\"a\", 1, false, null]"));
  }
  SECTION("an object opens one member per line, '=' aligned like the file") {
    set(dev, {"node_selector"}, value::object({{"pool", str("gpu")}, {"topology.kubernetes.io/zone", str("eu-1a")}}));
    CHECK(dev.text() == replaced(dev_text, "node_selector = {\n  \"kubernetes.io/os\" = \"linux\"\n  pool               = \"ci\"\n}",
                                 "node_selector = {\n  pool" + std::string(26, ' ') + "= \"gpu\"\n"
                                 "  \"topology.kubernetes.io/zone\" = \"eu-1a\"\n}"));
  }
  SECTION("a heredoc is replaced whole, the newline after it kept") {
    set(dev, {"additional_values"}, str("a: 1\n"));
    std::string heredoc = dev_text.substr(dev_text.find("<<-EOT"), dev_text.find("\nEOT\n") + 4 - dev_text.find("<<-EOT"));
    CHECK(dev.text() == replaced(dev_text, heredoc, "\"a: 1\\n\""));
  }
  SECTION("the bytes before and after each edited value are untouched") {
    struct edit {
      path p;
      std::string anchor;   // unique text containing the old value
      std::string literal;  // the old value's exact bytes, inside the anchor
      value v;
    };
    const std::vector<edit> edits = {
        {{"nix_concurrent_jobs"}, "nix_concurrent_jobs    = 6\n", "6", value::integer(16)},
        {{"runner_tags"}, "runner_tags = [\n  \"docker\",\n  \"linux\",\n  \"dev\", # the dev-only tag\n]",
         "[\n  \"docker\",\n  \"linux\",\n  \"dev\", # the dev-only tag\n]", value::list({str("x")})},
        {{"runner_tags", "1"}, "  \"linux\",", "\"linux\"", str("arm64")},
        {{"tolerations", "0", "effect"}, "effect   = \"NoSchedule\"", "\"NoSchedule\"", value::null()},
        {{"node_selector", "pool"}, "pool               = \"ci\"", "\"ci\"", value::boolean(true)},
        {{"additional_values"}, "additional_values = <<-EOT", "<<-EOT", str("x")},
    };
    for (const auto& e : edits) {
      INFO(to_string(e.p));
      auto anchor = dev_text.find(e.anchor);
      REQUIRE(anchor != std::string::npos);
      REQUIRE(e.anchor.find(e.literal) != std::string::npos);
      std::size_t begin = anchor + e.anchor.find(e.literal);
      std::size_t end = e.p == path{"additional_values"} ? dev_text.find("\nEOT\n") + 4 : begin + e.literal.size();
      REQUIRE(dev_text.compare(begin, e.literal.size(), e.literal) == 0);
      auto doc = parsed(dev_text);
      set(doc, e.p, e.v);
      const std::string& after = doc.text();
      auto d = changed(dev_text, after);
      CHECK(d.at >= begin);
      CHECK(d.at + d.removed <= end);
      CHECK(after.compare(0, begin, dev_text, 0, begin) == 0);
      REQUIRE(after.size() >= dev_text.size() - end);
      CHECK(after.compare(after.size() - (dev_text.size() - end), std::string::npos, dev_text, end) == 0);
      CHECK(get(doc, e.p) == e.v);
    }
  }
  SECTION("the document still reads every other value as before") {
    auto before = get(dev, {});
    set(dev, {"nix_job_cpu_limit"}, str("6"));
    auto after = get(dev, {});
    REQUIRE(after.members().size() == before.members().size());
    for (std::size_t i = 0; i < before.members().size(); ++i) {
      INFO(before.members()[i].key);
      if (before.members()[i].key == "nix_job_cpu_limit") {
        CHECK(after.members()[i].val == str("6"));
      } else {
        CHECK(after.members()[i] == before.members()[i]);
      }
    }
  }
}

TEST_CASE("nested paths reach into objects and lists", "[tfvars]") {
  std::string arc_text = corpus("arc-runners.tfvars");
  auto arc = parsed(arc_text);
  set(arc, {"extra_runner_sets", "gpu", "max_runners"}, value::integer(4));
  std::string want = replaced(arc_text, "    max_runners       = 2\n", "    max_runners       = 4\n");
  CHECK(arc.text() == want);
  set(arc, {"extra_runner_sets", "bazel-heavy", "max_runners"}, value::integer(9));
  want = replaced(want, "    max_runners: 6,\n", "    max_runners: 9,\n");
  CHECK(arc.text() == want);
  set(arc, {"extra_runner_sets", "small", "tags", "1"}, str("format"));
  want = replaced(want, "tags = [\"docs\", \"lint\"]", "tags = [\"docs\", \"format\"]");
  CHECK(arc.text() == want);
  CHECK(get(arc, {"extra_runner_sets", "gpu", "max_runners"}).as_int() == 4);

  std::string dev_text = corpus("gitlab-runners-dev.tfvars");
  auto dev = parsed(dev_text);
  set(dev, {"tolerations", "0", "effect"}, str("NoExecute"));
  set(dev, {"runner_tags", "2"}, str("staging"));
  CHECK(dev.text() == replaced(replaced(dev_text, "effect   = \"NoSchedule\"", "effect   = \"NoExecute\""),
                               "  \"dev\", # the dev-only tag", "  \"staging\", # the dev-only tag"));
}

TEST_CASE("a new top-level key is appended in the file's style", "[tfvars]") {
  SECTION("aligned file: '=' joins the column of the lines above") {
    std::string text = corpus("gitlab-runners-dev.tfvars");
    auto doc = parsed(text);
    set(doc, {"dind_concurrent_jobs"}, value::integer(6));
    CHECK(doc.text() == text + "dind_concurrent_jobs  = 6\n");
    set(doc, {"dind_job_memory_request_override"}, str("1Gi"));  // too long for the column
    CHECK(doc.text() == text + "dind_concurrent_jobs  = 6\ndind_job_memory_request_override = \"1Gi\"\n");
  }
  SECTION("unaligned file, after a heredoc: one space") {
    std::string text = corpus("gitlab-runners-prod.tfvars");
    auto doc = parsed(text);
    set(doc, {"dind_job_cpu_limit"}, str("4"));
    CHECK(doc.text() == text + "dind_job_cpu_limit = \"4\"\n");
  }
  SECTION("no final newline stays that way") {
    std::string text = corpus("no-final-newline.tfvars");
    auto doc = parsed(text);
    set(doc, {"nix_hpa_enabled"}, value::boolean(true));
    CHECK(doc.text() == text + "\nnix_hpa_enabled = true");
  }
  SECTION("CRLF file: CRLF line, before the trailing blank line") {
    std::string text = corpus("crlf.tfvars");
    auto doc = parsed(text);
    set(doc, {"deploy_dind_runner"}, value::boolean(false));
    CHECK(doc.text() == replaced(text, "EOT\r\n\r\n", "EOT\r\ndeploy_dind_runner = false\r\n\r\n"));
    set(doc, {"node_selector"}, value::object({{"pool", str("ci")}}));
    CHECK(doc.text() == replaced(text, "EOT\r\n\r\n",
                                 "EOT\r\ndeploy_dind_runner = false\r\nnode_selector = {\r\n  pool = \"ci\"\r\n}\r\n\r\n"));
  }
  SECTION("after trailing comments, at the end") {
    auto doc = parsed("a = 1\nb = 2\n\n# notes at the end\n");
    set(doc, {"c"}, value::integer(3));
    CHECK(doc.text() == "a = 1\nb = 2\n\n# notes at the end\nc = 3\n");
  }
  SECTION("an aligned run whose keys happen to match still sets the column") {
    auto doc = parsed("ab = 1\ncd = 2\n");
    set(doc, {"x"}, value::integer(3));
    CHECK(doc.text() == "ab = 1\ncd = 2\nx  = 3\n");
    auto lone = parsed("abc = 1\n");
    set(lone, {"x"}, value::integer(3));
    CHECK(lone.text() == "abc = 1\nx = 3\n");
  }
  SECTION("empty and comment-only files") {
    auto empty = parsed("");
    set(empty, {"a"}, value::integer(1));
    CHECK(empty.text() == "a = 1\n");
    auto comment = parsed("# only a comment");
    set(comment, {"a"}, value::integer(1));
    CHECK(comment.text() == "# only a comment\na = 1");
  }
  SECTION("a key that cannot be a variable name is refused, the file untouched") {
    std::string text = corpus("gitlab-runners-prod.tfvars");
    auto doc = parsed(text);
    for (std::string bad : {"bad key", "1st", "", "a.b", "x=1\ny"}) {
      INFO(bad);
      auto s = doc.set({bad}, value::integer(1));
      REQUIRE_FALSE(s);
      CHECK(s.failure().code == error_code::invalid_argument);
    }
    CHECK(doc.text() == text);
  }
}

TEST_CASE("a new key inside an existing object follows that object's style", "[tfvars]") {
  std::string dev_text = corpus("gitlab-runners-dev.tfvars");
  std::string arc_text = corpus("arc-runners.tfvars");
  std::string prod_text = corpus("gitlab-runners-prod.tfvars");

  SECTION("multi-line, aligned") {
    auto dev = parsed(dev_text);
    set(dev, {"node_selector", "zone"}, str("a"));
    CHECK(dev.text() == replaced(dev_text, "  pool               = \"ci\"\n}",
                                 "  pool               = \"ci\"\n  zone               = \"a\"\n}"));
    auto arc = parsed(arc_text);
    set(arc, {"extra_runner_sets", "gpu", "cpu_request"}, str("2"));
    CHECK(arc.text() == replaced(arc_text, "    memory_limit      = \"32Gi\"\n",
                                 "    memory_limit      = \"32Gi\"\n    cpu_request       = \"2\"\n"));
  }
  SECTION("':' separators and trailing commas") {
    auto arc = parsed(arc_text);
    set(arc, {"extra_runner_sets", "bazel-heavy", "runner_type"}, str("nix"));
    CHECK(arc.text() == replaced(arc_text, "cache.svc:9092\",\n", "cache.svc:9092\",\n    runner_type: \"nix\",\n"));
  }
  SECTION("one-line objects stay on one line") {
    auto arc = parsed(arc_text);
    set(arc, {"extra_runner_sets", "small", "max_runners"}, value::integer(3));
    CHECK(arc.text() == replaced(arc_text, "tags = [\"docs\", \"lint\"] }", "tags = [\"docs\", \"lint\"], max_runners = 3 }"));
    auto prod = parsed(prod_text);
    set(prod, {"service_monitor_labels", "env"}, str("prod"));
    CHECK(prod.text() == replaced(prod_text, "team = \"platform\" }", "team = \"platform\", env = \"prod\" }"));
  }
  SECTION("an empty object opens up; keys that are not identifiers are quoted") {
    auto prod = parsed(prod_text);
    set(prod, {"pod_annotations", "prometheus.io/scrape"}, str("true"));
    CHECK(prod.text() == replaced(prod_text, "pod_annotations = {}", "pod_annotations = {\n  \"prometheus.io/scrape\" = \"true\"\n}"));
    set(prod, {"pod_annotations", "true"}, value::integer(1));  // a keyword as a key is quoted too
    CHECK(get(prod, {"pod_annotations", "true"}).as_int() == 1);
    CHECK(prod.text().find("\n  \"true\" = 1\n}") != std::string::npos);
  }
  SECTION("a whole new runner set, rendered as an aligned block") {
    auto arc = parsed(arc_text);
    set(arc, {"extra_runner_sets", "arm64"},
        value::object({{"github_config_url", str("https://github.com/tinyland-inc/arm")},
                       {"runner_label", str("tinyland-arm64")},
                       {"max_runners", value::integer(3)}}));
    CHECK(arc.text() == replaced(arc_text, "\"lint\"] }\n}\n",
                                 "\"lint\"] }\n"
                                 "  arm64 = {\n"
                                 "    github_config_url = \"https://github.com/tinyland-inc/arm\"\n"
                                 "    runner_label      = \"tinyland-arm64\"\n"
                                 "    max_runners       = 3\n"
                                 "  }\n"
                                 "}\n"));
  }
  SECTION("the closing brace on the last member's line") {
    auto doc = parsed("x = {\n  a = 1\n  b = 2 }\n");
    set(doc, {"x", "c"}, value::integer(3));
    CHECK(doc.text() == "x = {\n  a = 1\n  b = 2\n  c = 3 }\n");
  }
}

TEST_CASE("strings the editor writes can never become syntax, comments or templates", "[tfvars]") {
  const std::vector<std::string> attacks = {
      "\"\nevil = true\nx = \"",
      "back\\slash\\",
      "line1\nline2\r\nline3",
      "${var.secret}",
      "%{ if true }x%{ endif }",
      "*/ injected = 1 /*",
      "# not a comment",
      "// nor this",
      "$${already_escaped} %%{too}",
      "ends with $",
      "ends with %",
      "${",
      "%{",
      "$$${x}",
      "\"${\"",
      std::string("ctl \t\x01\x1f\x7f end"),
      "\xc3\xbcnic\xc3\xb8" "de \xe2\x9c\x93 \xf0\x9f\x9a\x80",
      "EOF\nEOT\n",
      "}\n]\n",
      "a\\u0041\\n",
      "<<EOF",
  };
  std::string base_text = corpus("gitlab-runners-dev.tfvars");
  auto base = parsed(base_text);
  auto base_keys = base.keys();
  for (const auto& attack : attacks) {
    INFO("attack: " << attack);
    auto doc = base;
    set(doc, {"injected_value"}, str(attack));
    set(doc, {"node_selector", attack}, str(attack));
    auto again = parsed(doc.text());
    CHECK(get(again, {"injected_value"}) == str(attack));
    CHECK_FALSE(get(again, {"injected_value"}).templated());
    CHECK(get(again, {"node_selector", attack}) == str(attack));
    auto keys = again.keys();
    CHECK(keys.size() == base_keys.size() + 1);
    CHECK(std::vector<std::string>(keys.begin(), keys.end() - 1) == base_keys);
    // Everything before the appended line is untouched apart from the new object member.
    CHECK(doc.text().rfind(base_text.substr(0, base_text.find("node_selector")), 0) == 0);

    auto json = parsed(corpus("gitlab-runners.tfvars.json"), format::json);
    set(json, {"injected_value"}, str(attack));
    set(json, {"node_selector", attack}, str(attack));
    auto json_again = parsed(json.text(), format::json);
    CHECK(get(json_again, {"injected_value"}) == str(attack));
    CHECK(get(json_again, {"node_selector", attack}) == str(attack));
  }
  SECTION("the exact escapes") {
    auto doc = parsed("");
    set(doc, {"a"}, str("${var.x} %{ if } \"q\" \\ \n \x01"));
    CHECK(doc.text() == "a = \"$${var.x} %%{ if } \\\"q\\\" \\\\ \\n \\u0001\"\n");
    auto json = parsed("{}", format::json);
    set(json, {"a"}, str("${var.x} \"q\" \n \x01"));
    CHECK(json.text() == "{\"a\": \"${var.x} \\\"q\\\" \\n \\u0001\"}");
  }
  SECTION("values that cannot be written faithfully are refused") {
    auto doc = parsed(base_text);
    const std::vector<value> refused = {
        str("\xff\xfe"),
        value::template_string("${var.x}"),
        value::real(std::numeric_limits<double>::quiet_NaN()),
        value::real(std::numeric_limits<double>::infinity()),
        value::number("0x10"),
        value::number("007"),
        value::number("1."),
        value::list({value::number("")}),
        value::object({{"k", value::integer(1)}, {"k", value::integer(2)}}),
    };
    for (const auto& v : refused) {
      auto s = doc.set({"refused"}, v);
      REQUIRE_FALSE(s);
      CHECK(s.failure().code == error_code::invalid_argument);
    }
    CHECK(doc.text() == base_text);
  }
}

TEST_CASE("malformed tfvars are refused with the line and column of the fault", "[tfvars]") {
  const std::vector<bad_input> cases = {
      {"a = \"abc\n", 1, 5, "unterminated string"},
      {"a = \"abc", 1, 5, "unterminated string"},
      {"a = <<EOF\nabc\n", 1, 5, "unterminated heredoc"},
      {"a = <<EOF\nabc\nEOF", 3, 1, "must be followed by a newline"},
      {"a = <<EOF x\n", 1, 5, "must be followed by a newline"},
      {"a = 1\n/* open\nb = 2\n", 2, 1, "unterminated /* comment"},
      {"a = \"${x\n", 1, 6, "unterminated template sequence"},
      {"a = 1.2.3\n", 1, 5, "bad number"},
      {"a = 0x10\n", 1, 5, "bad number"},
      {"a = 1e\n", 1, 5, "exponent"},
      {"a = 1\nfoo {\n  b = 1\n}\n", 2, 1, "'foo' is a block"},
      {"resource \"x\" \"y\" {\n}\n", 1, 1, "'resource' is a block"},
      {"a = { b { } }\n", 1, 7, "'b' is a block"},
      {"a = 1\nb = 2\na = 3\n", 3, 1, "duplicate key 'a' (first set on line 1)"},
      {"a = { x = 1, x = 2 }\n", 1, 14, "duplicate key 'x'"},
      {"a = [1, 2\n", 1, 5, "'[' is never closed"},
      {"a = { b = 1\n", 1, 5, "'{' is never closed"},
      {"a = [1, 2}\n", 1, 10, "expected ',' or ']'"},
      {"a = 1\n}\n", 2, 1, "unbalanced '}'"},
      {"a = var.x\n", 1, 5, "'var.x' is an expression"},
      {"a = 1 + 2\n", 1, 7, "unexpected '+' after the value of 'a'"},
      {"a = max(1, 2)\n", 1, 5, "function call 'max(...)'"},
      {"a = \"x\" == \"y\"\n", 1, 9, "unexpected '='"},
      {"a = [for s in var.x : s]\n", 1, 6, "'for' is an expression"},
      {"a = (1)\n", 1, 5, "parenthesized"},
      {"a = -x\n", 1, 5, "'-' must be followed directly by a number"},
      {"a =\n1\n", 1, 4, "missing value"},
      {"a: 1\n", 1, 2, "with '='"},
      {"\"a\" = 1\n", 1, 1, "bare name"},
      {"a = \"\\q\"\n", 1, 6, "invalid escape sequence '\\q'"},
      {"a = \"\\u12\"\n", 1, 6, "4 hex digits"},
      {"a = 1 b = 2\n", 1, 7, "after the value"},
      {"a = \"x\"\xff\n", 1, 8, "not valid UTF-8"},
      {"a = {\n  b = 1\n  c = 2 d = 3\n}\n", 3, 9, "expected ',', a newline or '}'"},
      {"a = [\n  1\n  2\n]\n", 3, 3, "expected ',' or ']'"},
      {"a = 1\r2\n", 1, 6, "carriage return"},
      {"a = {\"${k}\" = 1}\n", 1, 6, "template"},
      {"ok = 1\n\xc3\xa9 = 2\n", 2, 1, "non-ASCII"},
      {"a = \"\xc3\xa9\" + 1\n", 1, 9, "unexpected '+'"},  // columns count characters, not bytes
      {"a = 1\r\nb = 2\r\nb = 3\r\n", 3, 1, "duplicate key 'b'"},
  };
  for (const auto& bad : cases) check_refused(bad, format::hcl);
}

TEST_CASE("malformed .tfvars.json is refused with the line and column of the fault", "[tfvars]") {
  const std::vector<bad_input> cases = {
      {"[1, 2]", 1, 1, "one JSON object"},
      {"", 1, 1, "one JSON object"},
      {"{\"a\": 1,}", 1, 9, "trailing comma"},
      {"{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key 'a'"},
      {"{\n  \"a\": tru\n}", 2, 8, "unexpected word"},
      {"{\n  \"a\": 01\n}", 2, 8, "bad number '01'"},
      {"{\"a\": \"x\n\"}", 1, 7, "unterminated string"},
      {"{\"a\": [1, 2}", 1, 12, "expected ',' or ']'"},
      {"{\"a\": 1", 1, 1, "'{' is never closed"},
      {"{\"a\": 1} extra", 1, 10, "after the JSON object"},
      {"{\"a\": \"\\x\"}", 1, 8, "invalid escape"},
      {"{\"a\": \"\\ud800\"}", 1, 8, "surrogate"},
      {"{a: 1}", 1, 2, "quoted key"},
      {"{\"a\" 1}", 1, 6, "':'"},
      {"{\"a\": // c\n 1}", 1, 7, "unexpected '/'"},
  };
  for (const auto& bad : cases) check_refused(bad, format::json);
}

TEST_CASE("hostile nesting is refused, not a stack overflow", "[tfvars]") {
  std::string deep = "a = " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  auto doc = document::parse(deep);
  REQUIRE_FALSE(doc);
  CHECK(doc.failure().message.find("nested too deeply") != std::string::npos);
  std::string strings = "a = ";
  for (int i = 0; i < 3000; ++i) strings += "\"${";
  REQUIRE_FALSE(document::parse(strings + "\n"));
  std::string json = std::string(5000, '[');
  REQUIRE_FALSE(document::parse("{\"a\": " + json + "}", format::json));
  // Just inside the limit still parses.
  CHECK(document::parse("a = " + std::string(40, '[') + std::string(40, ']') + "\n"));
}

TEST_CASE("reads and edits on paths that do not exist say which step failed", "[tfvars]") {
  std::string text = corpus("gitlab-runners-dev.tfvars");
  auto doc = parsed(text);
  CHECK(doc.get({"missing"}).failure().code == error_code::not_found);
  CHECK(doc.get({"nix_concurrent_jobs", "x"}).failure().code == error_code::invalid_argument);
  CHECK(doc.get({"runner_tags", "9"}).failure().code == error_code::not_found);
  CHECK(doc.get({"runner_tags", "first"}).failure().code == error_code::invalid_argument);
  CHECK(doc.get({"node_selector", "absent"}).failure().message.find("node_selector") != std::string::npos);
  CHECK(doc.set({"runner_tags", "3"}, str("x")).failure().code == error_code::not_found);
  CHECK(doc.set({"nope", "x"}, str("x")).failure().code == error_code::not_found);
  CHECK(doc.set({"nix_concurrent_jobs", "x"}, str("x")).failure().code == error_code::invalid_argument);
  CHECK(doc.set({}, str("x")).failure().code == error_code::invalid_argument);
  CHECK(doc.text() == text);
}

TEST_CASE(".tfvars.json: same API, byte-preserving, edits in the file's indentation", "[tfvars]") {
  std::string text = corpus("gitlab-runners.tfvars.json");
  auto doc = parsed(text, format::json);
  CHECK(doc.syntax() == format::json);
  CHECK(doc.keys().size() == 14);
  CHECK(get(doc, {"hpa_cpu_target_ratio"}).text() == "0.70");  // the literal, not 0.7
  CHECK(get(doc, {"template_looking"}) == str("${var.not_a_template_in_json} caf\xc3\xa9 \"quoted\""));
  CHECK(get(doc, {"tolerations", "0", "effect"}) == str("NoSchedule"));
  CHECK(get(doc, {"ghcr_token"}) == value::null());

  SECTION("scalars replace their bytes only; other escapes stay as written") {
    set(doc, {"nix_concurrent_jobs"}, value::integer(8));
    set(doc, {"runner_tags", "1"}, str("arm64"));
    set(doc, {"node_selector", "pool"}, str("gpu"));
    std::string want = replaced(text, "\"nix_concurrent_jobs\": 6,", "\"nix_concurrent_jobs\": 8,");
    want = replaced(want, "[\"docker\", \"linux\"]", "[\"docker\", \"arm64\"]");
    want = replaced(want, "\"pool\": \"ci\"", "\"pool\": \"gpu\"");
    CHECK(doc.text() == want);
    CHECK(doc.text().find("caf\\u00e9") != std::string::npos);
  }
  SECTION("new keys and new structures use the file's indentation") {
    set(doc, {"nix_job_cpu_limit"}, str("4"));
    CHECK(doc.text() == replaced(text, "    }\n  ]\n}\n", "    }\n  ],\n  \"nix_job_cpu_limit\": \"4\"\n}\n"));
    set(doc, {"runner_tags"}, value::list({str("a"), str("b")}));  // the file writes scalar lists inline
    CHECK(doc.text().find("\n  \"runner_tags\": [\"a\", \"b\"],\n") != std::string::npos);
    set(doc, {"tolerations", "0", "tolerationSeconds"}, value::integer(30));
    CHECK(doc.text().find("      \"effect\": \"NoSchedule\",\n      \"tolerationSeconds\": 30\n    }") !=
          std::string::npos);
  }
  SECTION("four-space files and empty objects") {
    std::string arc_text = corpus("arc-runners.tfvars.json");
    auto arc = parsed(arc_text, format::json);
    set(arc, {"extra_runner_sets", "empty", "max_runners"}, value::integer(1));
    CHECK(arc.text() ==
          replaced(arc_text, "\"empty\": {}", "\"empty\": {\n            \"max_runners\": 1\n        }"));
    set(arc, {"extra_runner_sets", "gpu", "max_runners"}, value::integer(3));
    CHECK(get(arc, {"extra_runner_sets", "gpu", "max_runners"}).as_int() == 3);
    set(arc, {"docker_max_runners"}, value::integer(10));
    CHECK(arc.text().find("    },\n    \"docker_max_runners\": 10\n}\n") != std::string::npos);
    set(arc, {"extra_runner_sets", "gpu", "tags"}, value::list({str("gpu"), str("cuda")}));  // no inline lists here
    CHECK(arc.text().find("            \"max_runners\": 3,\n            \"tags\": [\n                \"gpu\",\n"
                          "                \"cuda\"\n            ]\n        },") != std::string::npos);
  }
  SECTION("compact files stay compact") {
    auto compact = parsed("{\"a\":1,\"b\":{\"c\":2}}", format::json);
    set(compact, {"b", "d"}, str("x"));
    set(compact, {"e"}, value::list({value::boolean(true), value::null()}));
    CHECK(compact.text() == "{\"a\":1,\"b\":{\"c\":2,\"d\":\"x\"},\"e\":[true,null]}");
    auto spaced = parsed("{\"a\": 1, \"b\": 2}\n", format::json);
    set(spaced, {"c"}, value::integer(3));
    CHECK(spaced.text() == "{\"a\": 1, \"b\": 2, \"c\": 3}\n");
  }
}

TEST_CASE("a byte order mark is kept and skipped, as OpenTofu skips it", "[tfvars]") {
  std::string text = "\xef\xbb\xbf" "a = 1\n";
  auto doc = parsed(text);
  CHECK(doc.text() == text);
  set(doc, {"b"}, value::integer(2));
  CHECK(doc.text() == text + "b = 2\n");
}

TEST_CASE("every value and every object in the corpus can be set, and every object grown", "[tfvars]") {
  // Walks every path in every file: replacing each value with a string, a list and an object,
  // and adding a member to each object, must succeed and read back exactly.
  std::vector<std::pair<std::string, format>> files;
  for (const auto& name : hcl_corpus) files.emplace_back(name, format::hcl);
  for (const auto& name : json_corpus) files.emplace_back(name, format::json);
  const std::vector<value> replacements = {
      str("edited ${x} \"q\"\n"),
      value::list({value::integer(1), str("two")}),
      value::object({{"a", value::integer(1)}, {"b c", value::list({str("x")})}, {"d", value::object({})}}),
  };
  int edits = 0;
  for (const auto& [name, f] : files) {
    auto doc = parsed(corpus(name), f);
    std::vector<std::pair<path, value>> paths;
    std::vector<std::pair<path, value>> todo = {{{}, get(doc, {})}};
    while (!todo.empty()) {
      auto [p, v] = todo.back();
      todo.pop_back();
      if (!p.empty()) paths.emplace_back(p, v);
      for (std::size_t i = 0; i < v.items().size(); ++i) {
        auto child = p;
        child.push_back(std::to_string(i));
        todo.emplace_back(child, v.items()[i]);
      }
      for (const auto& m : v.members()) {
        auto child = p;
        child.push_back(m.key);
        todo.emplace_back(child, m.val);
      }
      if (v.type() == kind::object) {
        auto added = p;
        added.push_back("added_key");
        paths.emplace_back(added, value::null());
      }
    }
    for (const auto& [p, old] : paths) {
      for (const auto& replacement : replacements) {
        INFO(name << " " << to_string(p));
        auto edited = doc;
        auto s = edited.set(p, replacement);
        INFO((s ? std::string() : s.failure().message));
        REQUIRE(s);
        CHECK(get(parsed(edited.text(), f), p) == replacement);
        ++edits;
      }
    }
  }
  CHECK(edits > 500);
}

TEST_CASE("file names pick the format; values print as HCL", "[tfvars]") {
  CHECK(format_for("tofu/stacks/gitlab-runners/dev.tfvars") == format::hcl);
  CHECK(format_for("prod.tfvars.json") == format::json);
  CHECK_FALSE(format_for("variables.tf"));
  CHECK_FALSE(format_for("dev.tfvars.bak"));
  CHECK(to_hcl(value::object({{"min", value::integer(1)}, {"tags", value::list({str("a")})}})) ==
        "{\n  min = 1\n  tags = [\"a\"]\n}");
  CHECK(to_hcl(str("${x}")) == "\"$${x}\"");
}

TEST_CASE("mutated corpus files never crash or hang: each parses exactly or is refused", "[tfvars]") {
  std::mt19937 rng(20240611);
  const std::string structural = "\"{}[]=:,#/*\\$%<-\n\r\t ";
  int parsed_ok = 0;
  int refused = 0;
  auto mutate = [&](std::string text) {
    std::uniform_int_distribution<std::size_t> at(0, text.empty() ? 0 : text.size() - 1);
    switch (rng() % 4) {
      case 0: return text.substr(0, at(rng));
      case 1:
        if (!text.empty()) text[at(rng)] = static_cast<char>(rng() % 256);
        return text;
      case 2: return text.insert(at(rng), 1, structural[rng() % structural.size()]);
      default:
        if (!text.empty()) text.erase(at(rng), 1);
        return text;
    }
  };
  auto exercise = [&](const std::string& input, format f) {
    auto doc = document::parse(input, f);
    if (!doc) {
      ++refused;
      const auto& e = doc.failure();
      CHECK(e.code == error_code::invalid_argument);
      CHECK(e.details.value("line", 0) >= 1);
      CHECK(e.details.value("column", 0) >= 1);
      CHECK(e.details.value("line", 0) <= static_cast<int>(std::count(input.begin(), input.end(), '\n')) + 1);
      return;
    }
    ++parsed_ok;
    CHECK(doc->text() == input);
    // An edit on whatever parsed either works and re-parses, or is refused cleanly.
    auto keys = doc->keys();
    if (!keys.empty()) {
      auto edited = *doc;
      auto s = edited.set({keys.front()}, str("fuzz \"${x}\"\n"));
      CHECK((s || s.failure().code != error_code::internal));
      if (s) CHECK(document::parse(edited.text(), f));
    }
    auto added = *doc;
    auto s = added.set({"fuzz_added"}, value::integer(1));
    CHECK((s || s.failure().code != error_code::internal));
    if (s) CHECK(document::parse(added.text(), f));
  };
  for (const auto& name : hcl_corpus) {
    std::string text = corpus(name);
    for (int i = 0; i < 1500; ++i) exercise(mutate(text), format::hcl);
  }
  for (const auto& name : json_corpus) {
    std::string text = corpus(name);
    for (int i = 0; i < 1500; ++i) exercise(mutate(text), format::json);
  }
  // Both outcomes must really occur, or the loop is not testing what it claims.
  CHECK(parsed_ok > 1000);
  CHECK(refused > 1000);
}
