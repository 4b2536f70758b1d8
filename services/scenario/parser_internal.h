// Pieces of the YAML parser shared between its files; not for use outside the library.
#ifndef MESHPROOF_SERVICES_SCENARIO_PARSER_INTERNAL_H_
#define MESHPROOF_SERVICES_SCENARIO_PARSER_INTERNAL_H_

#include <string>
#include <vector>

#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/scenario/yaml_reader.h"

namespace meshproof::scenario::internal {

namespace v1 = ::meshproof::scenario::v1;

// Keys naming a probe kind in a test; exactly one may be present.
const std::vector<std::string>& ProbeKeys();

// Reads the probe under `field` (the value of key `kind`, one of ProbeKeys()).
void ReadProbe(const std::string& kind, const YamlField& field, v1::Probe* probe);

// Reads `expect:`.
void ReadExpectation(const YamlField& field, v1::Expectation* expect);

// Reads `evidence:` (a list).
void ReadEvidenceList(const YamlField& field, v1::Test* test);

// Reads `retry:`.
void ReadRetry(const YamlField& field, v1::RetryPolicy* retry);

// Parses "1.2" / "1.3" etc. Reports and returns false on anything else.
bool ReadTlsVersion(const YamlField& field, v1::TlsVersion* version);

// Parses an Envoy admin resource name (clusters, listeners, config_dump).
bool ReadEnvoyResource(const YamlField& field, v1::EnvoyResource* resource);

}  // namespace meshproof::scenario::internal

#endif  // MESHPROOF_SERVICES_SCENARIO_PARSER_INTERNAL_H_
