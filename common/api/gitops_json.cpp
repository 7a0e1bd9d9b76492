// SPDX-License-Identifier: Apache-2.0
#include "common/api/gitops_json.hpp"

#include "common/api/serialize.hpp"

namespace runnerfleet::api {

using nlohmann::json;

json tfvars_to_json(const tfvars::value& v) {
  switch (v.type()) {
    case tfvars::kind::null: return nullptr;
    case tfvars::kind::boolean: return v.as_bool();
    case tfvars::kind::number:
      if (auto i = v.as_int()) return *i;
      if (auto d = v.as_double()) return *d;
      return v.text();
    case tfvars::kind::string: return v.text();
    case tfvars::kind::list: {
      json out = json::array();
      for (const auto& item : v.items()) out.push_back(tfvars_to_json(item));
      return out;
    }
    case tfvars::kind::object: {
      json out = json::object();
      for (const auto& m : v.members()) out[m.key] = tfvars_to_json(m.val);
      return out;
    }
  }
  return nullptr;
}

tfvars::value json_to_tfvars(const json& j) {
  switch (j.type()) {
    case json::value_t::boolean: return tfvars::value::boolean(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return tfvars::value::number(j.dump());
    case json::value_t::number_float: return tfvars::value::real(j.get<double>());
    case json::value_t::string: return tfvars::value::string(j.get<std::string>());
    case json::value_t::array: {
      std::vector<tfvars::value> items;
      for (const auto& item : j) items.push_back(json_to_tfvars(item));
      return tfvars::value::list(std::move(items));
    }
    case json::value_t::object: {
      std::vector<tfvars::member> members;
      for (const auto& [k, item] : j.items()) members.push_back({k, json_to_tfvars(item)});
      return tfvars::value::object(std::move(members));
    }
    default: return tfvars::value::null();
  }
}

json drift_item_json(const drift_item& d) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"severity", d.severity}, {"kind", d.kind},
          {"runner", text_or_null(d.runner)}, {"cluster", d.cluster},
          {"namespace", text_or_null(d.ns)}, {"key", text_or_null(d.key)},
          {"desired", text_or_null(d.desired)}, {"live", text_or_null(d.live)},
          {"file", text_or_null(d.file)}, {"forge", text_or_null(d.forge)}, {"message", d.message}};
}

json desired_source_json(const gitops::desired_state& d, bool stale) {
  json files = json::array();
  for (const auto& f : d.files)
    files.push_back({{"path", f.path},
                     {"stack", f.stack->name},
                     {"cluster", f.cluster},
                     {"last_commit_id", f.last_commit_id.empty() ? json(nullptr) : json(f.last_commit_id)},
                     {"readable", f.doc.has_value()},
                     {"problem", f.problem.empty() ? json(nullptr) : json(f.problem)}});
  return {{"source", d.source},
          {"branch", d.branch},
          {"commit", d.commit.empty() ? json(nullptr) : json(d.commit)},
          {"read_at", format_rfc3339(d.read_at)},
          {"stale", stale},
          {"files", std::move(files)}};
}

json config_ref_json(const std::optional<runner_config_ref>& c) {
  if (!c) return nullptr;
  return {{"file", c->file},
          {"stack", c->stack},
          {"stack_runner", c->stack_runner},
          {"drift", {{"error", c->drift_errors}, {"warning", c->drift_warnings}, {"info", c->drift_info}}}};
}

}  // namespace runnerfleet::api
