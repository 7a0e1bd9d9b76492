// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/proposal.hpp"

#include "common/gitops/stack_schema.hpp"
#include "common/gitops/tfvars.hpp"
#include "common/gitops/unified_diff.hpp"

#include <cctype>

namespace runnerfleet::gitops {
namespace {

constexpr std::size_t max_title = 200;  // GitLab allows 255

std::string shown(const std::optional<tfvars::value>& v) {
  if (!v) return "unset";
  auto text = tfvars::to_hcl(*v);
  if (text.size() <= 60) return text;
  std::size_t cut = 57;  // on a UTF-8 character boundary: titles and commit messages stay valid
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

status check_idempotency_key(const std::string& key) {
  bool valid = !key.empty() && key.size() <= max_idempotency_key;
  for (char c : key)
    valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':');
  if (!valid)
    return make_error(error_code::invalid_argument,
                      "idempotency_key: expected 1 to " + std::to_string(max_idempotency_key) +
                          " characters of A-Z a-z 0-9 - _ . :",
                      {{"field", "idempotency_key"}});
  return ok();
}

/// The edits as tfvars paths, after the schema's checks: top-level keys for a runner type,
/// fields of its entry for a runner set entry (ARC extra_runner_sets).
result<std::map<tfvars::path, tfvars::value>> validated_edits(const stack_file& f, const std::string& stack_runner,
                                                              const std::map<std::string, tfvars::value>& changes) {
  std::map<tfvars::path, tfvars::value> edits;
  const auto& stack = *f.stack;
  const auto* sets_spec = runner_set_variable(stack);
  if (is_runner_type(stack, stack_runner) || !sets_spec) {
    auto ok = validate_change(stack, stack_runner, changes, *f.doc);
    if (!ok) return ok.take_failure();
    for (auto& [key, v] : *ok) edits.emplace(tfvars::path{key}, std::move(v));
    return edits;
  }
  // A runner set entry: rebuild the set map with this entry changed, so the schema checks the
  // whole entry (types, min ≤ max, request ≤ limit) exactly as OpenTofu will see it.
  const auto& sets_key = sets_spec->key;
  auto sets = f.doc->get({sets_key});
  if (!sets || sets->type() != tfvars::kind::object)
    return make_error(error_code::not_found, f.path + " has no " + sets_key);
  const auto prefix = sets_key + "." + stack_runner + ".";
  std::vector<tfvars::member> members;
  std::map<std::string, tfvars::value> fields;
  for (const auto& [key, v] : changes) {
    auto field = key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key;
    if (field.find('.') != std::string::npos || field.empty())
      return make_error(error_code::invalid_argument,
                        key + ": runner set " + stack_runner + " takes its fields (e.g. max_runners or " + prefix +
                            "max_runners)",
                        {{"key", key}});
    fields[field] = v;
  }
  for (const auto& m : sets->members()) {
    if (m.key != stack_runner) {
      members.push_back(m);
      continue;
    }
    std::vector<tfvars::member> entry = m.val.members();
    for (const auto& [field, v] : fields) {
      auto it = std::find_if(entry.begin(), entry.end(), [&](const auto& e) { return e.key == field; });
      if (it != entry.end()) it->val = v;
      else entry.push_back({field, v});
    }
    members.push_back({m.key, tfvars::value::object(std::move(entry))});
  }
  std::map<std::string, tfvars::value> whole{{sets_key, tfvars::value::object(std::move(members))}};
  auto ok = validate_change(stack, stack_runner, whole, *f.doc);
  if (!ok) return ok.take_failure();
  const auto* entry = ok->at(sets_key).find(stack_runner);
  for (const auto& [field, _] : fields)
    if (const auto* v = entry ? entry->find(field) : nullptr)
      edits.emplace(tfvars::path{sets_key, stack_runner, field}, *v);
  return edits;
}

std::string describe(const proposal_plan& p, const proposal_request& req, const proposal_author& who,
                     const std::string& target_branch) {
  std::string d;
  d += "Proposed with **runnerfleet** by " + who.actor + (who.role.empty() ? "" : " (" + who.role + ")") +
       ". Nothing has been applied: merging this request is the change, and OpenTofu applies it from `" +
       target_branch + "`.\n\n";
  d += "**Runner:** `" + p.runner + "` in cluster `" + p.cluster + "` (stack `" + p.stack + "`, runner `" +
       p.stack_runner + "`)  \n";
  d += "**File:** `" + p.file + "`" + (p.base_commit.empty() ? "" : " as of `" + p.base_commit.substr(0, 12) + "`") +
       "\n\n";
  d += "| setting | now | proposed |\n|---|---|---|\n";
  for (const auto& c : p.changes)
    d += "| `" + c.key + "` | `" + shown(c.from) + "`" + (c.from_default ? " (default)" : "") + " | `" + shown(c.to) +
         "` |\n";
  d += "\n**Why:**\n\n";
  std::string line;
  for (char ch : req.reason.empty() ? std::string("(no reason given)") : req.reason) {
    if (ch == '\n') {
      d += "> " + line + "\n";
      line.clear();
    } else {
      line.push_back(ch);
    }
  }
  d += "> " + line + "\n\n";
  d += "```diff\n" + p.diff + "```\n\n";
  d += "<sub>Idempotency key `" + p.idempotency_key + "`: proposing the same change again returns this request.</sub>\n";
  d += change_marker(p.change_digest) + "\n";
  return d;
}

}  // namespace

std::string change_marker(const std::string& change_digest) {
  return "<!-- runnerfleet-change: " + change_digest + " -->";
}

std::string stable_digest(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static const char* hex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 15];
  return out;
}

result<proposal_plan> plan_proposal(const desired_state& d, const proposal_request& req, const proposal_author& who,
                                    const std::string& branch_prefix) {
  if (!req.idempotency_key.empty())
    if (auto st = check_idempotency_key(req.idempotency_key); !st) return st.take_failure();
  if (req.changes.empty())
    return make_error(error_code::invalid_argument, "changes: give at least one key and its new value",
                      {{"field", "changes"}});
  auto declared = declared_runners(d);
  auto found = resolve_declared(d, declared, req.runner, req.cluster, "give cluster");
  if (!found) return found.take_failure();
  const auto* want = *found;
  const auto& f = d.files[want->file];
  if (!f.doc) return make_error(error_code::unavailable, f.path + " could not be read: " + f.problem);

  auto edits = validated_edits(f, want->stack_runner, req.changes);
  if (!edits) return edits.take_failure();

  proposal_plan p;
  p.runner = want->name;
  p.cluster = want->cluster;
  p.ns = want->ns;
  p.forge = want->forge;
  p.stack = f.stack->name;
  p.stack_runner = want->stack_runner;
  p.file = f.path;
  p.base_commit = f.last_commit_id;
  auto doc = *f.doc;
  for (const auto& [path, v] : *edits) {
    planned_change c;
    c.key = tfvars::to_string(path);
    c.from = effective_at(*f.stack, doc, path);
    c.from_default = c.from && !doc.get(path);
    if (c.from && *c.from == v) continue;  // already so: not part of the change
    c.to = v;
    if (auto st = doc.set(path, v); !st) return st.take_failure();
    p.changes.push_back(std::move(c));
  }
  if (p.changes.empty())
    return make_error(error_code::invalid_argument,
                      "nothing to change: " + f.path + " already sets every given value for " + p.runner);
  p.new_text = doc.text();
  p.diff = unified_diff(f.doc->text(), p.new_text, "a/" + f.path, "b/" + f.path);

  std::string derived = p.cluster + "\n" + p.file + "\n" + p.stack_runner;
  for (const auto& c : p.changes) derived += "\n" + c.key + "=" + tfvars::to_hcl(c.to);
  p.idempotency_key = req.idempotency_key.empty() ? "derived:" + stable_digest(derived) : req.idempotency_key;
  p.branch = branch_prefix + p.runner + "-" + stable_digest(p.runner + "\n" + p.idempotency_key);
  p.change_digest = stable_digest(derived);

  std::string what;
  for (const auto& c : p.changes) what += (what.empty() ? "" : ", ") + c.key + " " + shown(c.from) + " → " + shown(c.to);
  p.title = "runnerfleet: " + p.runner + ": " + what;
  if (p.title.size() > max_title) {
    p.title = "runnerfleet: " + p.runner + ": " + std::to_string(p.changes.size()) + " settings";
  }
  p.commit_message = p.title + "\n\n" + (req.reason.empty() ? "" : "Why: " + req.reason + "\n") +
                     "Proposed by " + who.actor + " with runnerfleet.\n";
  p.description = describe(p, req, who, d.branch);
  return p;
}

}  // namespace runnerfleet::gitops
