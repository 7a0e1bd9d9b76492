// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "common/error.hpp"
#include "common/gitops/stack_schema.hpp"
#include "common/gitops/tfvars_value.hpp"

/// The checks a tfvars value passes before runnerfleet writes it: types, ranges, Kubernetes
/// quantities and names. Shared by the stacks' schemas and the definitions the config adds.
namespace runnerfleet::gitops {

/// A Kubernetes quantity's magnitude (cpu cores or bytes); nullopt when not a valid quantity
/// (negative quantities are refused: requests and limits cannot be negative).
std::optional<long double> parse_quantity(std::string_view q);

/// A DNS-1123 label of at most `max` characters (namespaces 63, Helm release names 53).
bool is_dns_label(std::string_view s, std::size_t max);

/// A DNS-1123 subdomain (PriorityClass names).
bool is_dns_subdomain(std::string_view s);

/// `v` checked against `rule` and normalized (whole numbers as integers, numbers for strings as
/// their text, "true" as true); invalid_argument naming `where` and the reason otherwise.
result<tfvars::value> normalize_value(std::string_view where, const value_rule& rule,
                                      const tfvars::value& v);

/// "docker, dind or nix": a list of choices for a message.
std::string or_list(const std::vector<std::string>& items);

/// An invalid_argument error "<key>: <why>" carrying the key.
error refuse(std::string_view key, const std::string& why);

}  // namespace runnerfleet::gitops
