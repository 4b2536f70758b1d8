#!/usr/bin/python3
"""Checks that the v1 contracts load in Python's grpc tools, the client other tooling uses.

Generates Python messages and stubs for every meshproof proto into a temporary folder,
imports them, and round-trips one message of each area through the wire format and the
JSON mapping. Exits non-zero with the failing step named.
"""
import glob
import importlib
import os
import sys
import tempfile

from grpc_tools import protoc
import grpc_tools
from google.protobuf import json_format

PROTO_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")


def main() -> int:
    protos = sorted(
        os.path.relpath(p, PROTO_ROOT)
        for p in glob.glob(os.path.join(PROTO_ROOT, "meshproof", "**", "*.proto"), recursive=True))
    if not protos:
        print("no meshproof protos found under", PROTO_ROOT)
        return 1
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    with tempfile.TemporaryDirectory() as out:
        args = ["protoc", f"-I{PROTO_ROOT}", f"--python_out={out}", f"--grpc_python_out={out}"]
        if os.path.isdir(well_known):
            args.append(f"-I{well_known}")
        else:
            args.append("-I/usr/include")
        if protoc.main(args + protos) != 0:
            print("protoc failed for", protos)
            return 1
        sys.path.insert(0, out)
        modules = {}
        for proto in protos:
            base = proto[:-len(".proto")].replace("/", ".")
            modules[base] = importlib.import_module(base + "_pb2")
            importlib.import_module(base + "_pb2_grpc")
        scenario = modules["meshproof.scenario.v1.scenario"].Scenario(name="10-ingress")
        test = scenario.tests.add(name="http-catch-all")
        test.probe.http.url = "http://127.0.0.1:31080/get"
        test.expect.status.add(min=200, max=200)
        parsed = type(scenario).FromString(scenario.SerializeToString())
        assert parsed == scenario, "scenario wire round trip"
        as_json = json_format.MessageToJson(scenario)
        assert json_format.Parse(as_json, type(scenario)()) == scenario, "scenario JSON round trip"
        store = modules["meshproof.store.v1.store"]
        for service in ("ResultsStoreService",):
            assert service in store.DESCRIPTOR.services_by_name, service
        sched = modules["meshproof.scheduler.v1.scheduler"]
        assert "SchedulerService" in sched.DESCRIPTOR.services_by_name
        gateway = modules["meshproof.scheduler.v1.agent_gateway"]
        assert "AgentGatewayService" in gateway.DESCRIPTOR.services_by_name
        agent = modules["meshproof.agent.v1.agent"]
        assert "ProbeAgentService" in agent.DESCRIPTOR.services_by_name
        print(f"ok: {len(protos)} contracts load in Python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
