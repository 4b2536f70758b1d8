// Checks rendered manifests: every object against the Kubernetes OpenAPI schemas, then
// the deployment policy (policy.mjs) and the wiring between objects (wiring.mjs). Prints every finding; exits 1 when there is one.
//   node check_manifests.mjs --drain-seconds N FILE.yaml...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { loadObjects } from "./manifests.mjs";
import { checkPolicy } from "./policy.mjs";
import { validateSchemas } from "./schema.mjs";
import { checkWiring } from "./wiring.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const YAML = createRequire(import.meta.url)("./npm/node_modules/yaml");

export function loadAllowedRbac() {
  return YAML.parse(readFileSync(join(here, "rbac-allowed.yaml"), "utf8"));
}

// Parses "--drain-seconds N FILE..." or exits 2.
export function parseArgs(argv) {
  const files = [];
  let drainSeconds = NaN;
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === "--drain-seconds") drainSeconds = Number(argv[++i]);
    else files.push(argv[i]);
  }
  if (!Number.isInteger(drainSeconds) || drainSeconds <= 0 || files.length === 0) {
    console.error("usage: check_manifests.mjs --drain-seconds N FILE.yaml...");
    process.exit(2);
  }
  return { drainSeconds, files };
}

// Schema and policy findings for `objects`, schema ones prefixed "schema: ".
export async function findings(objects, drainSeconds) {
  const schema = (await validateSchemas(objects)).map((m) => `schema: ${m}`);
  return [...schema, ...checkPolicy(objects, { allowed: loadAllowedRbac(), drainSeconds }),
          ...checkWiring(objects)];
}

async function main() {
  const { drainSeconds, files } = parseArgs(process.argv.slice(2));
  let failed = false;
  for (const path of files) {
    const objects = loadObjects(path);
    const file = basename(path);
    if (objects.length === 0) {
      console.log(`${file}: no objects`);
      failed = true;
      continue;
    }
    const found = await findings(objects, drainSeconds);
    for (const message of found) console.log(`${file}: ${message}`);
    if (found.length > 0) failed = true;
    else console.log(`${file}: ${objects.length} objects valid, policy met`);
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
