// Reads rendered Kubernetes manifests (multi-document YAML, as `kubectl kustomize`
// prints them) and names their objects for messages. Shared by the schema and policy
// checks.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const YAML = require("./npm/node_modules/yaml");

// Parses every document of `file`. YAML 1.1, as Kubernetes' own YAML reader reads it
// (where `on`, `no` and `y` are booleans). Throws with the file name on bad YAML.
export function loadObjects(file) {
  const text = readFileSync(file, "utf8");
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length > 0) {
      throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) continue;
    objects.push(value);
  }
  return objects;
}

// "Kind namespace/name", or "Kind name" for cluster-scoped objects.
export function describe(object) {
  const meta = object?.metadata ?? {};
  const where = meta.namespace ? `${meta.namespace}/${meta.name}` : `${meta.name}`;
  return `${object?.kind ?? "(no kind)"} ${where}`;
}

// The pod template of a workload object, or null for other kinds.
export function podSpecOf(object) {
  switch (object.kind) {
    case "Pod":
      return { labels: object.metadata?.labels ?? {}, spec: object.spec ?? {} };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return {
        labels: object.spec?.template?.metadata?.labels ?? {},
        spec: object.spec?.template?.spec ?? {},
      };
    case "CronJob":
      return {
        labels: object.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {},
        spec: object.spec?.jobTemplate?.spec?.template?.spec ?? {},
      };
    default:
      return null;
  }
}
