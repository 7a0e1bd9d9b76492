// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"
#include "daemon/self_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet::daemon {

/// A file as the GitLab file API returns it.
struct repository_file {
  std::string content;  ///< decoded
  std::string blob_id;
  std::string commit_id;       ///< the ref's head when read
  std::string last_commit_id;  ///< the commit that last changed this file
};

/// A merge request, as far as a proposal reports it.
struct merge_request {
  std::int64_t iid = 0;
  std::string web_url;
  std::string state;
  std::string title;
  std::string source_branch;
  std::string target_branch;
  std::string description;  ///< holds the change's digest when runnerfleet opened it
};

/// The GitLab repository endpoints GitOps uses (wire-facts §2.3), for one project: branch heads,
/// files, atomic commits with an optimistic lock, branches and merge requests. Every call has a
/// deadline; the token is read from its file for each call and never logged.
class gitlab_repository {
 public:
  /// Fails on a malformed URL or CA file, or an unreadable token file.
  static result<std::unique_ptr<gitlab_repository>> create(boost::asio::any_io_executor ex, const gitlab_config& gitlab,
                                                           const gitops_config& gitops, self_metrics& metrics);
  ~gitlab_repository();

  /// The commit a branch points at; not_found when the branch does not exist.
  boost::asio::awaitable<result<std::string>> branch_head(std::string branch);
  /// A file at a ref (branch or commit).
  boost::asio::awaitable<result<repository_file>> read_file(std::string path, std::string ref);
  /// One commit on a new branch from `start_branch` updating one file, refused (conflict) when
  /// the file's last commit is no longer `last_commit_id`. Returns the new commit's id.
  boost::asio::awaitable<result<std::string>> commit_file(std::string branch, std::string start_branch,
                                                          std::string path, std::string content,
                                                          std::string last_commit_id, std::string message);
  /// Opens a merge request; conflict (with the existing one in details) when one is open for the branch.
  boost::asio::awaitable<result<merge_request>> open_merge_request(std::string source_branch, std::string target_branch,
                                                                   std::string title, std::string description);
  /// The newest merge request from a branch (any state); nullopt when there is none.
  boost::asio::awaitable<result<std::optional<merge_request>>> find_merge_request(std::string source_branch);
  /// Deletes a branch (cleanup after a failed proposal).
  boost::asio::awaitable<status> delete_branch(std::string branch);

  /// "gitlab project <id> at <url>", for messages.
  std::string describe() const;

  /// Closes connections now (shutdown).
  void close();

 private:
  struct impl;
  explicit gitlab_repository(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::daemon
