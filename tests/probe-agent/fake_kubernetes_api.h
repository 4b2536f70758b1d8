// A fake Kubernetes API server for the pod-log source's tests: HTTPS with a test CA's
// certificate, one accepted bearer token, and the answers a real API server gives to
// the three requests the agent makes (pod list, pod log, /version), replayed from
// recorded responses (tests/fixtures/real). Unknown tokens get 401, like the real one.
#ifndef MESHPROOF_TESTS_PROBE_AGENT_FAKE_KUBERNETES_API_H_
#define MESHPROOF_TESTS_PROBE_AGENT_FAKE_KUBERNETES_API_H_

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tests/probe-agent/fake_http_server.h"

namespace meshproof::testing {

// Returns the content of tests/fixtures/real/NAME ("" when missing).
std::string RealFixture(const std::string& name);

class FakeKubernetesApi {
 public:
  explicit FakeKubernetesApi(const FakeTls& tls);
  ~FakeKubernetesApi();

  std::string url() const { return server_.url(); }
  std::vector<FakeRequest> requests() const { return server_.requests(); }
  int failed_handshakes() const { return server_.failed_handshakes(); }

  // The one token accepted from now on ("Authorization: Bearer TOKEN").
  void AcceptToken(const std::string& token);
  // The PodList answered for any label selector in `namespace_name`.
  void SetPods(const std::string& namespace_name, const std::string& pod_list_json);
  // A pod's log as the kubelet keeps it: lines already prefixed by their RFC 3339 time.
  // The answer holds the lines at or after sinceTime (whole seconds), as the API's does.
  void SetLog(const std::string& pod, const std::string& timestamped_lines);
  // A live log, as a kubelet's grows while the pod runs: `lines` returns the container's
  // output so far (unstamped lines, oldest first). As a kubelet stamps a line when it
  // receives it, each new line is stamped when first seen: the feed is polled every 10 ms
  // and at each log request. A stamp is never before its line was written, whatever time
  // the line itself carries. Replaces any SetLog text for `pod`.
  void SetLogFeed(const std::string& pod, std::function<std::vector<std::string>()> lines);
  // Answers every request with `status` and a Kubernetes Status body with `message`
  // (0 turns it off).
  void FailWith(int status, const std::string& message);

 private:
  FakeResponse Answer(const FakeRequest& request);
  // Appends each feed's new lines to logs_, stamped now.
  void StampNewLinesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunKubelet();

  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> pods_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> logs_ ABSL_GUARDED_BY(mu_);
  struct LogFeed {
    std::function<std::vector<std::string>()> lines;
    size_t stamped = 0;  // how many of its lines logs_ already holds, stamped
  };
  std::map<std::string, LogFeed> feeds_ ABSL_GUARDED_BY(mu_);
  int fail_status_ ABSL_GUARDED_BY(mu_) = 0;
  std::string fail_message_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread kubelet_;
  // Last: its thread calls Answer() as soon as it is constructed.
  FakeHttpServer server_;
};

// Returns the value of `name` in the query of `target` ("" when absent), not decoded.
std::string QueryParam(const std::string& target, const std::string& name);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_PROBE_AGENT_FAKE_KUBERNETES_API_H_
