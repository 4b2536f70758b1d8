// A fixed run of the seed report's egress scenario, with a comparison and test history,
// for golden-file tests of every report format and for the fake results store.
#ifndef MESHPROOF_TESTS_CLI_REPORT_FIXTURE_H_
#define MESHPROOF_TESTS_CLI_REPORT_FIXTURE_H_

#include <google/protobuf/text_format.h>

#include "clients/cli/report/report_input.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::cli::testing {

inline store::v1::RunDetail FixtureRunDetail() {
  store::v1::RunDetail detail;
  const bool ok = google::protobuf::TextFormat::ParseFromString(
      R"pb(
        run {
          run_id: "run-0042"
          scenario: "20-egress"
          scenario_version: "9f2c4e1ab3d5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7"
          cluster: "homelab"
          namespace: "mesh-test"
          team: "platform"
          agent_id: "agent-homelab-1"
          environment {
            cluster: "homelab"
            namespace: "mesh-test"
            istio_version: "1.30.0"
            kubernetes_version: "1.30.6"
            agent_version: "0.1.0"
            tags { key: "cni" value: "calico" }
          }
          trigger: TRIGGER_SCHEDULE
          schedule_id: "nightly-egress"
          labels { key: "variant" value: "passthrough" }
          started_at { seconds: 1780796980 }
          finished_at { seconds: 1780796983 nanos: 250000000 }
          verdict: RUN_VERDICT_FAILED
          counts { total: 6 passed: 3 failed: 1 errors: 0 skipped: 2 passed_on_retry: 1 }
          latest_attempt: 1
        }
        results {
          scenario: "20-egress"
          test: "sidecar-admin-ready"
          phase: PHASE_PREFLIGHT
          verdict: TEST_VERDICT_PASS
          attempts: 1
          expected_summary: "status 200"
          actual_summary: "status 200"
          reproduction: "curl -sS -o /dev/null -w '%{http_code}\\n' --connect-timeout 3 --max-time 10 'http://127.0.0.1:15000/ready'"
          outcome {
            http { status_code: 200 }
            timings { total { nanos: 2000000 } }
          }
        }
        results {
          scenario: "20-egress"
          test: "egress-cluster-in-sidecar"
          phase: PHASE_TEST
          verdict: TEST_VERDICT_PASS
          attempts: 1
          expected_summary: "config has outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local"
          actual_summary: "1 of 1 names present"
          proves: "the mesh leg (sleep → egress gateway subset httpbin) is configured in the sidecar"
          claims: "C5"
          claims: "C8"
          reproduction: "curl -s 'http://127.0.0.1:15000/clusters' | grep -F 'outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local'"
          outcome {
            config {
              names: "outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local"
            }
            timings { total { nanos: 4000000 } }
          }
        }
        results {
          scenario: "20-egress"
          test: "egress-through-gateway"
          phase: PHASE_TEST
          verdict: TEST_VERDICT_PASS
          attempts: 2
          passed_on_retry: true
          flaky: true
          attempt_history {
            attempt: 1
            verdict: TEST_VERDICT_FAIL
            reason: "evidence[gateway-access-log]: no new line matching within 2s"
          }
          attempt_history { attempt: 2 verdict: TEST_VERDICT_PASS }
          expected_summary: "status 200 + evidence gateway-access-log"
          actual_summary: "status 200 (HTTP/2)"
          proves: "the external HTTPS call succeeded AND went through the egress gateway"
          claims: "C2"
          claims: "C7"
          reproduction: "curl -sS -o /dev/null -w '%{http_code}\\n' --connect-to httpbin.org:443:httpbin.org:443 --cacert /etc/ssl/certs/ca-certificates.crt 'https://httpbin.org/get'\ntail -c +0 /var/log/istio/egressgateway.log | grep -E '\"- - -\" 0 .* outbound\\|443\\|\\|httpbin.org '"
          outcome {
            http { status_code: 200 http_version: "HTTP/2" }
            timings { total { nanos: 184000000 } }
          }
          evidence {
            name: "gateway-access-log"
            kind: KIND_LOG
            source: "file /var/log/istio/egressgateway.log"
            lines: "[2026-06-07T01:49:40Z] \"- - -\" 0 - - - \"44.213.156.185:443\" outbound|443||httpbin.org 10.255.126.47:49456 10.255.126.47:8443 10.255.126.49:37006 httpbin.org -"
            matched: 1
            satisfied: true
            required: true
          }
        }
        results {
          scenario: "20-egress"
          test: "sni-mismatch-fails-at-tls"
          phase: PHASE_TEST
          verdict: TEST_VERDICT_PASS
          attempts: 1
          expected_summary: "fails: tls_handshake (curl 35)"
          actual_summary: "tls_handshake (curl 35): TLS connect error"
          proves: "an SNI mismatch at the L4 gateway is a TLS-layer failure, never an HTTP 4xx"
          claims: "C12"
          reproduction: "curl -sS -o /dev/null -w '%{http_code}\\n' --connect-to unregistered.example.org:443:httpbin.org:443 'https://unregistered.example.org/get'"
          outcome {
            http { status_code: 0 }
            failure {
              class: FAILURE_CLASS_TLS_HANDSHAKE
              curl_exit_code: 35
              message: "TLS connect error"
            }
            timings { total { nanos: 9000000 } }
          }
        }
        results {
          scenario: "20-egress"
          test: "bypass-is-not-proof"
          phase: PHASE_TEST
          verdict: TEST_VERDICT_FAIL
          attempts: 1
          reason: "evidence[gateway-access-log]: no new line matching within 2s"
          expected_summary: "status 200 + evidence gateway-access-log"
          actual_summary: "status 200"
          proves: "a 200 alone proves nothing: without the gateway's log line the call bypassed it"
          claims: "C2"
          reproduction: "curl -sS -o /dev/null -w '%{http_code}\\n' 'https://httpbin.org/get'"
          mismatches {
            field: "evidence[gateway-access-log]"
            expected: "at least 1 new line"
            actual: "0 lines"
          }
          outcome {
            http { status_code: 200 }
            timings { total { nanos: 150000000 } }
          }
          evidence {
            name: "gateway-access-log"
            kind: KIND_LOG
            source: "file /var/log/istio/egressgateway.log"
            matched: 0
            satisfied: false
            required: true
            message: "no new line matching within 2s"
          }
        }
        results {
          scenario: "20-egress"
          test: "registry-only-blocks-unregistered"
          phase: PHASE_TEST
          verdict: TEST_VERDICT_SKIPPED
          reason: "Needs outboundTrafficPolicy REGISTRY_ONLY, a mesh-global setting; run only after approval."
          claims: "C3"
          claims: "C11"
        }
        results {
          scenario: "20-egress"
          test: "tls-origination-variant"
          phase: PHASE_TEST
          verdict: TEST_VERDICT_SKIPPED
          reason: "TLS origination is a separate scenario."
        }
        claims {
          id: "C2"
          text: "Egress PASSTHROUGH routes at L4 on the SNI alone."
          verdict: CLAIM_VERDICT_REFUTED
          reference: "https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/"
          tests { test: "egress-through-gateway" verdict: TEST_VERDICT_PASS }
          tests { test: "bypass-is-not-proof" verdict: TEST_VERDICT_FAIL }
        }
        claims {
          id: "C3"
          text: "The default outboundTrafficPolicy is ALLOW_ANY."
          verdict: CLAIM_VERDICT_UNTESTED
          reference: "https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/"
        }
        claims {
          id: "C12"
          text: "An egress SNI mismatch is a reset at L4 (curl 35, http_code 000), not 404."
          verdict: CLAIM_VERDICT_CONFIRMED
          reference: "https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/"
          tests { test: "sni-mismatch-fails-at-tls" verdict: TEST_VERDICT_PASS }
        }
        claims {
          id: "C14"
          text: "An istioctl 1.27 client against a 1.30 control plane produced a false alarm."
          verdict: CLAIM_VERDICT_UNTESTED
          note: "Cannot be measured here; record tool and control-plane versions with every run."
        }
      )pb",
      &detail);
  if (!ok) detail.Clear();  // the test's first expectation then fails visibly
  return detail;
}

inline store::v1::CompareRunsResponse FixtureComparison() {
  store::v1::CompareRunsResponse cmp;
  (void)google::protobuf::TextFormat::ParseFromString(
      R"pb(
        base {
          run_id: "run-0041"
          scenario: "20-egress"
          scenario_version: "9f2c4e1ab3d5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7"
          started_at { seconds: 1780710580 }
          verdict: RUN_VERDICT_PASSED
        }
        head {
          run_id: "run-0042"
          scenario: "20-egress"
          scenario_version: "9f2c4e1ab3d5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7"
          started_at { seconds: 1780796980 }
          verdict: RUN_VERDICT_FAILED
        }
        tests {
          scenario: "20-egress"
          test: "bypass-is-not-proof"
          change: CHANGE_REGRESSED
          base_verdict: TEST_VERDICT_PASS
          head_verdict: TEST_VERDICT_FAIL
          base_outcome: "200"
          head_outcome: "200"
          latency_delta { nanos: 12000000 }
          changed_evidence: "gateway-access-log"
        }
        tests {
          scenario: "20-egress"
          test: "sni-mismatch-fails-at-tls"
          change: CHANGE_FIXED
          base_verdict: TEST_VERDICT_FAIL
          head_verdict: TEST_VERDICT_PASS
          base_outcome: "404"
          head_outcome: "tls_handshake"
          latency_delta { nanos: -3000000 }
        }
        tests {
          scenario: "20-egress"
          test: "egress-cluster-in-sidecar"
          change: CHANGE_STILL_PASSING
          base_verdict: TEST_VERDICT_PASS
          head_verdict: TEST_VERDICT_PASS
          base_outcome: "ok"
          head_outcome: "ok"
        }
        tests {
          scenario: "20-egress"
          test: "egress-through-gateway"
          change: CHANGE_STILL_PASSING
          base_verdict: TEST_VERDICT_PASS
          head_verdict: TEST_VERDICT_PASS
          base_outcome: "200"
          head_outcome: "200"
          latency_delta { nanos: 4000000 }
        }
      )pb",
      &cmp);
  return cmp;
}

// Three nights of history (newest first, as the store returns it), including this run.
inline std::map<std::string, std::vector<store::v1::HistoryPoint>> FixtureHistory() {
  std::map<std::string, std::vector<store::v1::HistoryPoint>> history;
  struct Row {
    const char* test;
    const char* verdicts;
    int latency_ms[3];
  };
  // verdicts: one letter per night, oldest first: P pass, R passed on retry, F fail, S skipped.
  const Row rows[] = {
      {"egress-cluster-in-sidecar", "PPP", {5, 4, 4}},
      {"egress-through-gateway", "PPR", {170, 180, 184}},
      {"sni-mismatch-fails-at-tls", "PFP", {10, 12, 9}},
      {"bypass-is-not-proof", "PPF", {140, 138, 150}},
      {"registry-only-blocks-unregistered", "SSS", {0, 0, 0}},
  };
  const char* runs[] = {"run-0040", "run-0041", "run-0042"};
  for (const Row& row : rows) {
    std::vector<store::v1::HistoryPoint>& points = history[row.test];
    for (int i = 2; i >= 0; --i) {
      store::v1::HistoryPoint p;
      p.set_run_id(runs[i]);
      p.set_cluster("homelab");
      p.mutable_started_at()->set_seconds(1780624180 + i * 86400);
      switch (row.verdicts[i]) {
        case 'P': p.set_verdict(result::v1::TEST_VERDICT_PASS); break;
        case 'R':
          p.set_verdict(result::v1::TEST_VERDICT_PASS);
          p.set_passed_on_retry(true);
          break;
        case 'F': p.set_verdict(result::v1::TEST_VERDICT_FAIL); break;
        default: p.set_verdict(result::v1::TEST_VERDICT_SKIPPED); break;
      }
      p.mutable_latency()->set_nanos(row.latency_ms[i] * 1000000);
      points.push_back(p);
    }
  }
  return history;
}

inline report::ReportInput FixtureInput(bool with_comparison) {
  report::ReportInput input;
  input.detail = FixtureRunDetail();
  if (with_comparison) input.comparison = FixtureComparison();
  input.history = FixtureHistory();
  return input;
}

}  // namespace meshproof::cli::testing

#endif  // MESHPROOF_TESTS_CLI_REPORT_FIXTURE_H_
