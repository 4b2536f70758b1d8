#!/usr/bin/python3
"""Writes one proxy's Envoy admin answers for the lab, from the lab's live configuration.

    envoy_admin.py --role sidecar|gateway --templates DIR --out DIR
                   --external-host HOST --external-endpoint IP:PORT
                   --gateway-endpoint IP:PORT --gateway-port PORT
                   --egress-route present|absent --node-ip IP
                   [--authz-policy deny-and-allow|allow-only|none]

Writes OUT/clusters, OUT/listeners (Envoy's text formats), OUT/config_dump.json and
OUT/server_info.json (a recorded real Envoy's, unchanged), and for the sidecar role
OUT/workload-config_dump.json (the STRICT workload's sidecar, with the RBAC filters of
--authz-policy), which the lab's admin nginx serves. The templates under
deploy/lab/templates/envoy-admin are derived from the recorded real Envoy output in
deploy/lab/fixtures/envoy-admin (each says what is substituted). The same values render
the gateways' nginx configs, so the answers follow the lab: without the egress route the
sidecar has no egress-gateway subset cluster and the gateway has neither the 8443
listener nor the external host's cluster (a gateway only keeps clusters its routes use,
as Istio's gateway cluster filtering does), exactly as its nginx has no SNI route.

Standard library only: /usr/bin/python3 of the lab machine, no packages.
"""

import argparse
import datetime
import json
import os
import re
import sys

ISTIO_VERSION = "1.30.0"
# /server_info is served as recorded from a real Envoy (provenance in deploy/lab/README.md):
# the environment fingerprint reads the Envoy version from it, so it must not be made up.
SERVER_INFO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "envoy-admin",
                           "server_info.json")
GATEWAY_SUBSET_CLUSTER = "outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local"
PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def fail(message):
    print(f"envoy_admin.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def load_template(directory, name):
    """Returns a template's text without its leading '#' comment lines."""
    path = os.path.join(directory, name)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
    except OSError as e:
        fail(f"template {path}: {e.strerror}")
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def render(text, values, where, escape=None):
    """Replaces @NAME@ with values[NAME]; a name without a value is an error."""

    def substitute(match):
        name = match.group(1)
        if name not in values:
            fail(f"{where}: no value for @{name}@")
        value = str(values[name])
        return escape(value) if escape else value

    return PLACEHOLDER.sub(substitute, text)


def json_escape(value):
    return json.dumps(value)[1:-1]


class Writer:
    def __init__(self, args):
        self.args = args
        self.now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def text(self, name, values):
        return render(load_template(self.args.templates, name), values, name)

    def json(self, name, values):
        text = render(load_template(self.args.templates, name), values, name, escape=json_escape)
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            fail(f"{name}: not JSON after rendering: {e}")

    def routed_clusters(self):
        """(kind, name, endpoint) of the clusters this proxy has for the lab's routes."""
        a = self.args
        external = ("strict-dns", f"outbound|443||{a.external_host}", a.external_endpoint)
        route = a.egress_route == "present"
        if a.role == "sidecar":
            # The ServiceEntry's cluster stays without the route; the subset cluster that
            # sends the host to the gateway is the route's.
            clusters = [external]
            if route:
                clusters.append(("eds", GATEWAY_SUBSET_CLUSTER, a.gateway_endpoint))
            return clusters
        return [external] if route else []

    def clusters_text(self, clusters):
        blocks = []
        for kind, name, endpoint in clusters:
            blocks.append(self.text(f"cluster-{kind}.txt.tmpl", {
                "CLUSTER": name, "ENDPOINT": endpoint, "HOSTNAME": self.args.external_host,
            }).rstrip("\n"))
        return "\n".join(blocks)

    def config_dump(self, clusters):
        a = self.args
        entries = []
        for kind, name, _ in clusters:
            entries.append(self.json(f"cluster-{kind}.json.tmpl", {
                "CLUSTER": name, "HOSTNAME": a.external_host, "PORT": 443, "NOW": self.now,
            }))
        doc = self.json(f"{a.role}-config_dump.json.tmpl", {
            "NODE_IP": a.node_ip, "NOW": self.now, "ISTIO_VERSION": ISTIO_VERSION,
            "ROUTED_CLUSTERS": "@ROUTED_CLUSTERS@", "ROUTED_LISTENERS": "@ROUTED_LISTENERS@",
        })
        listeners = []
        if a.role == "gateway" and a.egress_route == "present":
            listeners.append(self.json("listener-sni-passthrough.json.tmpl", {
                "PORT": a.gateway_port, "SNI_HOST": a.external_host,
                "CLUSTER": f"outbound|443||{a.external_host}", "NOW": self.now,
            }))
        for config in doc["configs"]:
            for key, value in list(config.items()):
                if value == "@ROUTED_CLUSTERS@":
                    config[key] = entries
                elif value == "@ROUTED_LISTENERS@":
                    config[key] = listeners
        return doc

    def rbac_filters(self):
        """The workload sidecar's HTTP filters for the lab's --authz-policy: Istio's DENY
        filter before its ALLOW filter, each only while its policy exists, then the router."""
        policy = self.args.authz_policy
        filters = [{"name": "istio.metadata_exchange"}]
        any_id = {"and_ids": {"ids": [{"any": True}]}}
        if policy == "deny-and-allow":
            filters.append({
                "name": "envoy.filters.http.rbac",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC",
                    "rules": {"action": "DENY", "policies": {
                        "ns[mesh-test]-policy[deny-admin]-rule[0]": {
                            "permissions": [{"and_rules": {"rules": [{"or_rules": {"rules": [
                                {"url_path": {"path": {"prefix": "/admin/"}}}]}}]}}],
                            "principals": [any_id]}}},
                    "shadow_rules_stat_prefix": "istio_dry_run_allow_"}})
        if policy in ("deny-and-allow", "allow-only"):
            paths = [{"url_path": {"path": {"exact": p}}} for p in ("/get", "/headers")]
            paths += [{"url_path": {"path": {"prefix": p}}} for p in ("/status/", "/admin/")]
            filters.append({
                "name": "envoy.filters.http.rbac",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC",
                    "rules": {"policies": {
                        "ns[mesh-test]-policy[allow-sleep]-rule[0]": {
                            "permissions": [{"and_rules": {"rules": [
                                {"or_rules": {"rules": [{"header": {"name": ":method",
                                                                    "string_match": {"exact": "GET"}}}]}},
                                {"or_rules": {"rules": paths}}]}}],
                            "principals": [{"and_ids": {"ids": [{"or_ids": {"ids": [
                                {"filter_state": {"key": "io.istio.peer_principal",
                                                  "string_match": {"exact": "spiffe://cluster.local/ns/mesh-test/sa/sleep"}}}]}}]}}]}}},
                    "shadow_rules_stat_prefix": "istio_dry_run_allow_"}})
        filters.append({"name": "envoy.filters.http.router",
                        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}})
        return filters

    def workload_config_dump(self):
        doc = self.json("workload-config_dump.json.tmpl", {
            "NODE_IP": self.args.node_ip, "NOW": self.now, "ISTIO_VERSION": ISTIO_VERSION,
            "RBAC_FILTERS": "@RBAC_FILTERS@",
        })
        for config in doc["configs"]:
            for listener in config.get("dynamic_listeners", []):
                for chain in listener["active_state"]["listener"]["filter_chains"]:
                    for f in chain["filters"]:
                        if f["typed_config"].get("http_filters") == "@RBAC_FILTERS@":
                            f["typed_config"]["http_filters"] = self.rbac_filters()
        return doc

    def recorded_server_info(self):
        try:
            with open(SERVER_INFO, encoding="utf-8") as f:
                text = f.read()
            json.loads(text)
        except (OSError, json.JSONDecodeError) as e:
            fail(f"{SERVER_INFO}: {e}")
        return text

    def write_all(self):
        a = self.args
        clusters = self.routed_clusters()
        listeners = ""
        if a.role == "gateway" and a.egress_route == "present":
            listeners = f"0.0.0.0_{a.gateway_port}::0.0.0.0:{a.gateway_port}"
        outputs = {
            "clusters": self.text(f"{a.role}-clusters.txt.tmpl", {
                "ROUTED_CLUSTERS": self.clusters_text(clusters), "GATEWAY_ENDPOINT": a.gateway_endpoint,
            }),
            "listeners": self.text(f"{a.role}-listeners.txt.tmpl", {"ROUTED_LISTENERS": listeners}),
            "config_dump.json": json.dumps(self.config_dump(clusters), indent=2) + "\n",
            "server_info.json": self.recorded_server_info(),
        }
        if a.role == "sidecar":
            # The lab has no port left for the STRICT workload's own sidecar admin: its
            # config dump is served beside the client sidecar's, under /workload.
            outputs["workload-config_dump.json"] = json.dumps(self.workload_config_dump(), indent=2) + "\n"
        os.makedirs(a.out, exist_ok=True)
        for name, content in outputs.items():
            # No blank lines: an empty route list leaves none behind in the text formats.
            if not name.endswith(".json"):
                content = "".join(line + "\n" for line in content.splitlines() if line.strip())
            with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
                f.write(content)


def main():
    parser = argparse.ArgumentParser(description="Writes one proxy's Envoy admin answers for the lab.")
    parser.add_argument("--role", choices=["sidecar", "gateway"], required=True)
    parser.add_argument("--templates", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--external-host", required=True)
    parser.add_argument("--external-endpoint", required=True, help="IP:PORT the external host resolves to")
    parser.add_argument("--gateway-endpoint", required=True, help="IP:PORT of the gateway's listener")
    parser.add_argument("--gateway-port", type=int, default=8443, help="the gateway's listener port in Envoy")
    parser.add_argument("--egress-route", choices=["present", "absent"], default="present")
    parser.add_argument("--node-ip", required=True)
    parser.add_argument("--authz-policy", choices=["deny-and-allow", "allow-only", "none"], default="deny-and-allow",
                        help="the STRICT workload's AuthorizationPolicies, as its sidecar's RBAC filters")
    Writer(parser.parse_args()).write_all()


if __name__ == "__main__":
    main()
