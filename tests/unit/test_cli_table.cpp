// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/format.hpp"
#include "daemon/cli/table.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using namespace runnerfleet::cli;

TEST_CASE("tables align columns", "[cli]") {
  table t({"NAME", "STATUS"});
  t.add({"nix-runner", "online"});
  t.add({"gh-docker", "degraded"});
  CHECK(t.render(0, false) ==
        "NAME        STATUS\n"
        "nix-runner  online\n"
        "gh-docker   degraded\n");
}

TEST_CASE("tables fit the width by truncating the widest column with an ellipsis", "[cli]") {
  table t({"NAME", "REASON"});
  t.add({"docker-runner", "1 pod(s) with problems: docker-runner-5c8b9d7f6-b9xkq: CrashLoopBackOff"});
  auto out = t.render(40, false);
  for (std::size_t start = 0, nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1)
    CHECK(display_width(out.substr(start, nl - start)) <= 40);
  CHECK(out.find("…") != std::string::npos);
  CHECK(out.find("docker-runner  ") != std::string::npos);  // the narrow column stays whole
}

TEST_CASE("colour only on a terminal and never with NO_COLOR", "[cli]") {
  CHECK(use_color(true, false, nullptr));
  CHECK_FALSE(use_color(false, false, nullptr));
  CHECK_FALSE(use_color(true, true, nullptr));
  CHECK_FALSE(use_color(true, false, "1"));
  CHECK(use_color(true, false, ""));  // NO_COLOR set but empty does not count
  CHECK(paint("offline", tone::bad, true) == "\033[31moffline\033[0m");
  CHECK(paint("offline", tone::bad, false) == "offline");
  table t({"S"});
  t.add({"offline"}, {tone::bad});
  CHECK(t.render(0, true).find("\033[31m") != std::string::npos);
  CHECK(t.render(0, false).find('\033') == std::string::npos);
}

TEST_CASE("ages and cells", "[cli]") {
  auto now = *parse_rfc3339("2026-11-22T12:00:00Z");
  CHECK(age("2026-11-22T11:59:15Z", now) == "45s");
  CHECK(age("2026-11-22T11:48:00Z", now) == "12m");
  CHECK(age("2026-11-10T12:00:00Z", now) == "12d");
  CHECK(age(nlohmann::json(), now) == "-");
  CHECK(age("garbage", now) == "-");
  CHECK(text(nlohmann::json()) == "-");
  CHECK(text(3) == "3");
  CHECK(scaling_cell({{"model", "hpa"}, {"current", 3}, {"desired", 4}, {"min", 1}, {"max", 4}, {"at_max", false}}) == "3/4 1-4");
  CHECK(scaling_cell({{"model", "none"}, {"current", 1}, {"desired", 1}}) == "1/1");
  CHECK(cli::truncate("abcdef", 4) == "abc…");
}
