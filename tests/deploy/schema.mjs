// Validates Kubernetes objects against the OpenAPI schemas of the Kubernetes API, as
// compiled into the npm package kubernetes-models (pinned in npm/package-lock.json).
// An object of a kind the package does not know is an error, not a pass: the manifests
// must be plain Kubernetes. So is a field no Kubernetes type declares (known_fields.mjs).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { unknownFields } from "./known_fields.mjs";
import { describe } from "./manifests.mjs";

const modelsRoot = join(dirname(fileURLToPath(import.meta.url)), "npm/node_modules/kubernetes-models");

// The module kubernetes-models keeps the class of apiVersion/kind in: core objects
// ("v1") under v1/, the others under GROUP/VERSION/.
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  if (!/^[A-Za-z0-9.-]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) {
    return null;
  }
  const path = join(modelsRoot, apiVersion, `${kind}.mjs`);
  return existsSync(path) ? path : null;
}

// Returns one message per object that fails validation ([] when all pass).
export async function validateSchemas(objects) {
  const problems = [];
  for (const object of objects) {
    const path = modelPath(object?.apiVersion, object?.kind);
    if (path === null) {
      problems.push(`${describe(object)}: no Kubernetes schema for apiVersion ` +
                    `"${object?.apiVersion}" kind "${object?.kind}"`);
      continue;
    }
    const module = await import(pathToFileURL(path).href);
    const Model = module[object.kind];
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${error.message}`);
    }
    // The compiled schemas accept fields they do not define; the declarations do not.
    for (const unknown of unknownFields(object, path)) {
      problems.push(`${describe(object)}: ${unknown}`);
    }
  }
  return problems;
}
