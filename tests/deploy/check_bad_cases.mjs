// Proves that every check can fail: applies each case of bad/cases.yaml to a rendered
// manifest that passes, and requires the checks to report exactly the case's check ids.
//   node check_bad_cases.mjs --drain-seconds N BASE.yaml
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { findings, parseArgs } from "./check_manifests.mjs";
import { loadObjects } from "./manifests.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const YAML = createRequire(import.meta.url)("./npm/node_modules/yaml");

function pointer(path) {
  return path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// Applies one edit to `objects` in place; throws when the edit does not apply, so a case
// whose target moved cannot pass by editing nothing.
function applyEdit(objects, edit) {
  if (edit.op === "add-object") {
    objects.push(structuredClone(edit.value));
    return;
  }
  const index = objects.findIndex((o) => o.kind === edit.in?.kind &&
                                         o.metadata?.name === edit.in?.name);
  if (index < 0) throw new Error(`no ${edit.in?.kind} ${edit.in?.name}`);
  if (edit.op === "remove-object") {
    objects.splice(index, 1);
    return;
  }
  const keys = pointer(edit.path);
  const last = keys.pop();
  let parent = objects[index];
  for (const key of keys) {
    if (parent?.[key] === undefined) throw new Error(`${edit.path}: no "${key}"`);
    parent = parent[key];
  }
  const isList = Array.isArray(parent);
  switch (edit.op) {
    case "add":
      if (isList && last === "-") parent.push(structuredClone(edit.value));
      else if (parent[last] !== undefined) throw new Error(`${edit.path}: already there`);
      else parent[last] = structuredClone(edit.value);
      break;
    case "replace":
      if (parent[last] === undefined) throw new Error(`${edit.path}: nothing to replace`);
      parent[last] = structuredClone(edit.value);
      break;
    case "remove":
      if (parent[last] === undefined) throw new Error(`${edit.path}: nothing to remove`);
      if (isList) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    default:
      throw new Error(`unknown op "${edit.op}"`);
  }
}

async function main() {
  const { drainSeconds, files } = parseArgs(process.argv.slice(2));
  const base = loadObjects(files[0]);
  const baseFindings = await findings(base, drainSeconds);
  if (baseFindings.length > 0) {
    console.log(`the base manifest must pass first:\n  ${baseFindings.join("\n  ")}`);
    process.exit(1);
  }
  const { cases } = YAML.parse(readFileSync(join(here, "bad/cases.yaml"), "utf8"));
  let failed = 0;
  for (const c of cases) {
    const objects = structuredClone(base);
    let found;
    try {
      for (const edit of c.edits) applyEdit(objects, edit);
      found = await findings(objects, drainSeconds);
    } catch (error) {
      console.log(`FAIL ${c.name}: the case does not apply: ${error.message}`);
      ++failed;
      continue;
    }
    const ids = [...new Set(found.map((m) => m.split(":")[0]))].sort();
    const want = [...c.expect].sort();
    if (JSON.stringify(ids) === JSON.stringify(want)) {
      console.log(`ok   ${c.name}: ${want.length ? `rejected by ${want.join(", ")}` : "passes"}`);
    } else {
      ++failed;
      console.log(`FAIL ${c.name}: expected [${want.join(", ")}], got [${ids.join(", ")}]` +
                  (found.length ? `\n       ${found.join("\n       ")}` : ""));
    }
  }
  console.log(`${cases.length - failed} of ${cases.length} bad cases behaved`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();
