#include "services/results-store/request_validation.h"

#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/labels.h"
#include "services/common/status_macros.h"
#include "services/results-store/store_limits.h"

namespace meshproof::store {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::Status CheckLength(absl::string_view value, size_t max, absl::string_view field) {
  if (value.size() > max) {
    return Invalid(field, absl::StrCat("must be at most ", max, " bytes, got ", value.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckRequired(absl::string_view value, size_t max, absl::string_view field) {
  if (value.empty()) return Invalid(field, "must not be empty");
  return CheckLength(value, max, field);
}

absl::Status CheckTags(const google::protobuf::Map<std::string, std::string>& tags,
                       absl::string_view field) {
  // The scheduler checks run labels with the same rule before it accepts a run.
  return ValidateLabels(tags, field);
}

absl::Status CheckClaims(const google::protobuf::RepeatedPtrField<scenario::v1::Claim>& claims,
                         absl::string_view field) {
  if (claims.size() > kMaxClaims) {
    return Invalid(field, absl::StrCat("at most ", kMaxClaims, " claims, got ", claims.size()));
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < claims.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    MP_RETURN_IF_ERROR(CheckRequired(claims[i].id(), kMaxNameLength, absl::StrCat(at, ".id")));
    if (!seen.insert(claims[i].id()).second) {
      return Invalid(absl::StrCat(at, ".id"),
                     absl::StrCat("duplicate claim \"", claims[i].id(), "\""));
    }
    MP_RETURN_IF_ERROR(CheckLength(claims[i].text(), kMaxTextLength, absl::StrCat(at, ".text")));
    MP_RETURN_IF_ERROR(
        CheckLength(claims[i].reference(), kMaxTextLength, absl::StrCat(at, ".reference")));
    MP_RETURN_IF_ERROR(CheckLength(claims[i].note(), kMaxTextLength, absl::StrCat(at, ".note")));
  }
  return absl::OkStatus();
}

// The fields the environment fingerprint adds: envoy_version and unknown_versions (each
// component at most once, one of the four, with a reason).
absl::Status CheckVersions(const result::v1::Environment& env, const std::string& prefix) {
  MP_RETURN_IF_ERROR(
      CheckLength(env.envoy_version(), kMaxNameLength, absl::StrCat(prefix, ".envoy_version")));
  std::set<std::string> seen;
  for (int i = 0; i < env.unknown_versions_size(); ++i) {
    const result::v1::UnknownVersion& u = env.unknown_versions(i);
    const std::string at = absl::StrCat(prefix, ".unknown_versions[", i, "]");
    if (u.component() != "envoy" && u.component() != "istio" && u.component() != "kubernetes" &&
        u.component() != "agent") {
      return Invalid(absl::StrCat(at, ".component"),
                     absl::StrCat("expected envoy, istio, kubernetes or agent, got \"",
                                  u.component().substr(0, 40), "\""));
    }
    if (!seen.insert(u.component()).second) {
      return Invalid(absl::StrCat(at, ".component"),
                     absl::StrCat("\"", u.component(), "\" appears twice"));
    }
    MP_RETURN_IF_ERROR(CheckRequired(u.reason(), kMaxTextLength, absl::StrCat(at, ".reason")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRunId(absl::string_view run_id, absl::string_view field) {
  MP_RETURN_IF_ERROR(CheckRequired(run_id, kMaxRunIdLength, field));
  for (char c : run_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return Invalid(field, "may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBeginRun(const v1::BeginRunRequest& request) {
  if (!request.has_run()) return Invalid("run", "is required");
  const v1::RunRecord& run = request.run();
  MP_RETURN_IF_ERROR(ValidateRunId(run.run_id(), "run.run_id"));
  MP_RETURN_IF_ERROR(CheckRequired(run.scenario(), kMaxNameLength, "run.scenario"));
  MP_RETURN_IF_ERROR(CheckRequired(run.scenario_version(), kMaxNameLength, "run.scenario_version"));
  MP_RETURN_IF_ERROR(CheckLength(run.cluster(), kMaxNameLength, "run.cluster"));
  MP_RETURN_IF_ERROR(CheckLength(run.namespace_(), kMaxNameLength, "run.namespace"));
  MP_RETURN_IF_ERROR(CheckLength(run.team(), kMaxNameLength, "run.team"));
  MP_RETURN_IF_ERROR(CheckLength(run.agent_id(), kMaxNameLength, "run.agent_id"));
  MP_RETURN_IF_ERROR(CheckLength(run.schedule_id(), kMaxNameLength, "run.schedule_id"));
  MP_RETURN_IF_ERROR(CheckLength(run.reason(), kMaxTextLength, "run.reason"));
  if (!result::v1::Trigger_IsValid(run.trigger())) {
    return Invalid("run.trigger", absl::StrCat("unknown value ", run.trigger()));
  }
  const result::v1::Environment& env = run.environment();
  MP_RETURN_IF_ERROR(CheckLength(env.cluster(), kMaxNameLength, "run.environment.cluster"));
  MP_RETURN_IF_ERROR(CheckLength(env.namespace_(), kMaxNameLength, "run.environment.namespace"));
  MP_RETURN_IF_ERROR(
      CheckLength(env.istio_version(), kMaxNameLength, "run.environment.istio_version"));
  MP_RETURN_IF_ERROR(
      CheckLength(env.kubernetes_version(), kMaxNameLength, "run.environment.kubernetes_version"));
  MP_RETURN_IF_ERROR(
      CheckLength(env.agent_version(), kMaxNameLength, "run.environment.agent_version"));
  MP_RETURN_IF_ERROR(CheckVersions(env, "run.environment"));
  if (!env.kind().empty() && env.kind() != "lab" && env.kind() != "cluster") {
    return absl::InvalidArgumentError(
        absl::StrCat("run.environment.kind: expected lab, cluster or empty, got \"",
                     env.kind().substr(0, 40), "\""));
  }
  MP_RETURN_IF_ERROR(CheckTags(env.tags(), "run.environment.tags"));
  MP_RETURN_IF_ERROR(CheckTags(run.labels(), "run.labels"));
  MP_RETURN_IF_ERROR(CheckClaims(run.claims(), "run.claims"));
  if (run.not_selected_tests_size() > kMaxNotSelectedTests) {
    return Invalid("run.not_selected_tests", absl::StrCat("at most ", kMaxNotSelectedTests,
                                                          ", got ", run.not_selected_tests_size()));
  }
  for (int i = 0; i < run.not_selected_tests_size(); ++i) {
    MP_RETURN_IF_ERROR(CheckRequired(run.not_selected_tests(i), kMaxNameLength,
                                     absl::StrCat("run.not_selected_tests[", i, "]")));
  }
  if (run.verdict() != result::v1::RUN_VERDICT_UNSPECIFIED) {
    return Invalid("run.verdict", "must be unset when a run begins (FinishRun sets it)");
  }
  if (run.has_counts()) return Invalid("run.counts", "must be unset when a run begins");
  if (run.has_finished_at()) return Invalid("run.finished_at", "must be unset when a run begins");
  return absl::OkStatus();
}

absl::Status ValidateAppendResults(const v1::AppendResultsRequest& request, int max_batch) {
  MP_RETURN_IF_ERROR(ValidateRunId(request.run_id(), "run_id"));
  if (request.results().empty()) return Invalid("results", "must not be empty");
  if (request.results_size() > max_batch) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "results: at most ", max_batch, " results per batch, got ", request.results_size()));
  }
  absl::flat_hash_map<std::pair<absl::string_view, int>, int> seen;
  seen.reserve(request.results_size());
  for (int i = 0; i < request.results_size(); ++i) {
    const result::v1::TestResult& r = request.results(i);
    // Field names are built only on failure: this loop runs for every stored result.
    auto at = [i](absl::string_view field) { return absl::StrCat("results[", i, "].", field); };
    if (r.scenario().size() > kMaxNameLength) {
      return CheckLength(r.scenario(), kMaxNameLength, at("scenario"));
    }
    if (r.test().empty() || r.test().size() > kMaxNameLength) {
      return CheckRequired(r.test(), kMaxNameLength, at("test"));
    }
    if (r.phase() == result::v1::PHASE_UNSPECIFIED || !result::v1::Phase_IsValid(r.phase())) {
      return Invalid(at("phase"), "must be PREFLIGHT, SETUP, TEST or TEARDOWN");
    }
    if (r.verdict() == result::v1::TEST_VERDICT_UNSPECIFIED ||
        !result::v1::TestVerdict_IsValid(r.verdict())) {
      return Invalid(at("verdict"), "must be set");
    }
    if (r.reason().size() > kMaxTextLength) {
      return CheckLength(r.reason(), kMaxTextLength, at("reason"));
    }
    for (int c = 0; c < r.claims_size(); ++c) {
      MP_RETURN_IF_ERROR(
          CheckRequired(r.claims(c), kMaxNameLength, at(absl::StrCat("claims[", c, "]"))));
    }
    auto [it, inserted] =
        seen.emplace(std::make_pair(absl::string_view(r.test()), static_cast<int>(r.phase())), i);
    if (!inserted) {
      return Invalid(at("test"),
                     absl::StrCat("\"", r.test(), "\" appears twice in the batch (also results[",
                                  it->second, "]) with the same phase"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateFinishRun(const v1::FinishRunRequest& request) {
  MP_RETURN_IF_ERROR(ValidateRunId(request.run_id(), "run_id"));
  if (request.verdict() == result::v1::RUN_VERDICT_UNSPECIFIED ||
      !result::v1::RunVerdict_IsValid(request.verdict())) {
    return Invalid("verdict", "must be set");
  }
  MP_RETURN_IF_ERROR(CheckLength(request.reason(), kMaxTextLength, "reason"));
  if (request.has_environment()) {
    const result::v1::Environment& env = request.environment();
    MP_RETURN_IF_ERROR(
        CheckLength(env.istio_version(), kMaxNameLength, "environment.istio_version"));
    MP_RETURN_IF_ERROR(
        CheckLength(env.kubernetes_version(), kMaxNameLength, "environment.kubernetes_version"));
    MP_RETURN_IF_ERROR(
        CheckLength(env.agent_version(), kMaxNameLength, "environment.agent_version"));
    MP_RETURN_IF_ERROR(CheckVersions(env, "environment"));
  }
  for (int i = 0; i < request.claims_size(); ++i) {
    const std::string at = absl::StrCat("claims[", i, "]");
    MP_RETURN_IF_ERROR(
        CheckRequired(request.claims(i).id(), kMaxNameLength, absl::StrCat(at, ".id")));
    MP_RETURN_IF_ERROR(
        CheckLength(request.claims(i).text(), kMaxTextLength, absl::StrCat(at, ".text")));
    MP_RETURN_IF_ERROR(
        CheckLength(request.claims(i).reference(), kMaxTextLength, absl::StrCat(at, ".reference")));
    MP_RETURN_IF_ERROR(
        CheckLength(request.claims(i).note(), kMaxTextLength, absl::StrCat(at, ".note")));
  }
  if (request.claims_size() > kMaxClaims) {
    return Invalid("claims", absl::StrCat("at most ", kMaxClaims, " claims"));
  }
  return absl::OkStatus();
}

}  // namespace meshproof::store
