// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitops/desired_state.hpp"
#include "common/snapshot.hpp"
#include "common/gitops/tfvars.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

/// The simulator's tfvars (GITLAB_DEV and ARC_DEV of tests/sim/runnerfleet_sim/gitlab_repo.py,
/// copied byte for byte to tests/data/gitops; tests/sim/selftest.py checks they stay equal) as
/// the GitOps unit tests read them.
namespace runnerfleet::test::gitops_fixture {

/// tofu/stacks/gitlab-runners/dev.tfvars.
inline const std::string& gitlab_dev() {
  static const std::string text = read_data("gitops/gitlab-runners-dev.tfvars");
  return text;
}

/// tofu/stacks/arc-runners/dev.tfvars.
inline const std::string& arc_dev() {
  static const std::string text = read_data("gitops/arc-runners-dev.tfvars");
  return text;
}

inline const std::string gitlab_path = "tofu/stacks/gitlab-runners/dev.tfvars";
inline const std::string arc_path = "tofu/stacks/arc-runners/dev.tfvars";
/// The branch head and every file's last commit in the fixture state.
inline const std::string fixture_commit = "9d2c1f0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d";

/// The built-in stacks the simulator's files use.
inline gitops::stack_ref gitlab_stack() { return gitops::builtin_stack("gitlab-runners"); }
inline gitops::stack_ref arc_stack() { return gitops::builtin_stack("arc-runners"); }

/// A parsed stack file (the test fails at once if `text` does not parse).
inline gitops::stack_file file_of(const std::string& path, gitops::stack_ref stack, const std::string& text,
                                  const std::string& cluster = "dev") {
  gitops::stack_file f;
  f.path = path;
  f.stack = stack;
  f.cluster = cluster;
  f.last_commit_id = fixture_commit;
  auto doc = tfvars::document::parse(text);
  INFO((doc ? std::string() : doc.failure().message));
  REQUIRE(doc);
  f.doc = std::move(*doc);
  return f;
}

/// Both simulator files for cluster "dev", as the daemon reads them from ci/flywheel.
inline gitops::desired_state dev_state() {
  gitops::desired_state d;
  d.source = "gitlab project ci/flywheel";
  d.branch = "main";
  d.commit = fixture_commit;
  d.files.push_back(file_of(gitlab_path, gitlab_stack(), gitlab_dev()));
  d.files.push_back(file_of(arc_path, arc_stack(), arc_dev()));
  return d;
}

/// A GitLab runner release exactly as the gitlab dev file and the runner module deploy it.
inline runner_view release(const std::string& name, int hpa_min, int hpa_max) {
  runner_view r;
  r.name = name;
  r.forge = "gitlab";
  r.cluster = "dev";
  r.ns = "gitlab-runners";
  r.status = "online";
  r.scaling.model = "hpa";
  r.scaling.autoscaler = name + "-hpa";
  r.scaling.min = hpa_min;
  r.scaling.max = hpa_max;
  r.scaling.cpu_target = 70;
  r.scaling.memory_target = 80;
  r.scaling.scale_up_window_s = 15;
  r.scaling.scale_down_window_s = 300;
  r.resources = resources_view{"50m", "128Mi", "200m", "256Mi"};
  return r;
}

}  // namespace runnerfleet::test::gitops_fixture
