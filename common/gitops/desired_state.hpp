// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/stack_schema.hpp"
#include "common/gitops/tfvars.hpp"
#include "common/time_format.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

/// The desired state of the fleet: the runner stacks' tfvars as last read from Git, and which
/// runners they declare. Immutable once built; snapshots share it.
namespace runnerfleet::gitops {

/// One tfvars file as read, or why it could not be.
struct stack_file {
  std::string path;
  stack_ref stack;  ///< the stack whose variables the file sets (never null once configured)
  std::string cluster;
  std::map<std::string, std::string> runner_overrides;  ///< live name → stack runner (gitops.files[].runners)
  std::string last_commit_id;  ///< the commit that last changed the file ("" for a local checkout)
  std::string blob_id;         ///< its content's id, to skip re-parsing an unchanged file
  std::optional<tfvars::document> doc;  ///< null when unreadable or unparsable
  std::string problem;                  ///< why doc is null
};

/// Everything read from the repository in one refresh.
struct desired_state {
  std::string source;  ///< "gitlab project ci/flywheel" or "checkout /srv/flywheel"
  std::string branch;
  std::string commit;  ///< the branch head the files were read at ("" for a local checkout)
  time_point read_at{};
  std::vector<stack_file> files;
};

/// A runner a stack file declares.
struct declared_runner {
  std::string name;          ///< the live name (Helm release)
  std::string cluster;
  std::string ns;
  std::string forge;         ///< the stack's: gitlab (releases) or github (scale sets)
  std::string stack_runner;  ///< a runner type (nix, docker, dind) or a runner set key
  std::size_t file = 0;      ///< index into desired_state::files
};

/// A stack-level key's value in a file, or its schema default when the file leaves it out.
std::optional<tfvars::value> effective_value(const stack_schema& s, const tfvars::document& doc, const std::string& key);

/// The value at a path (a top-level key, or <runner sets key>.<set>.<field>) in a file, or the
/// schema default the variable or field takes when the file leaves it out.
std::optional<tfvars::value> effective_at(const stack_schema& s, const tfvars::document& doc, const tfvars::path& p);

/// Why no readable file declares `runner`: unavailable naming an unreadable file (which may
/// declare it), else not_found.
error undeclared_error(const desired_state& d, const std::string& runner);

/// The runners a readable file declares, as its stack's layout says: each runner type whose deploy
/// key is true (or that has none), named by its name key unless overridden, and every key of the
/// runner set map (ARC extra_runner_sets).
std::vector<declared_runner> declared_runners(const stack_file& f, std::size_t index);

/// The declared runner of this name (and cluster, when given); nullptr when none or, without a
/// cluster, when several clusters declare the name (`ambiguous` is then set).
const declared_runner* find_declared(const std::vector<declared_runner>& all, std::string_view name,
                                     std::string_view cluster, bool* ambiguous = nullptr);

/// The one declared runner of this name (in `cluster`, when given): conflict when several match
/// (naming their clusters and files, and `pick` — how the caller chooses a cluster — when the
/// clusters differ), else undeclared_error.
result<const declared_runner*> resolve_declared(const desired_state& d, const std::vector<declared_runner>& all,
                                                const std::string& name, const std::string& cluster,
                                                const std::string& pick);

/// All runners all readable files declare.
std::vector<declared_runner> declared_runners(const desired_state& d);

}  // namespace runnerfleet::gitops
