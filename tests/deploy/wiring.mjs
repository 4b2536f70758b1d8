// Checks that the rendered objects fit together the way the services will use them
// (check id "wiring"): every ConfigMap and Secret a pod mounts exists; every file a
// container's flags or its configuration file name (--config, --scheduler-token-file,
// --store-token-file, the --tls-* and --PEER-tls-* files, --db; tokens, store_token_file,
// db in the YAML) lies under one of
// its mounts, and a file in a ConfigMap or Secret mount is a key of that object; every
// in-cluster address (--store, the agent's scheduler:) names a Service port of this
// render when the Service is in it. Check id "open-listen": a container listening on an
// address other hosts can reach without tokens (listen_rule.mjs).
import { createRequire } from "node:module";

import { openListenProblem } from "./listen_rule.mjs";

import { describe, podSpecOf } from "./manifests.mjs";

const YAML = createRequire(import.meta.url)("./npm/node_modules/yaml");

function find(objects, kind, namespace, name) {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name &&
                             (o.metadata?.namespace ?? "default") === (namespace ?? "default"));
}

// The mount holding `path` and what it holds: { mount, volume, object } or null.
function mountOf(path, container, spec, objects, namespace) {
  const mounts = (container.volumeMounts ?? [])
    .filter((m) => path.startsWith(m.mountPath.replace(/\/?$/, "/")))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  if (mounts.length === 0) return null;
  const volume = (spec.volumes ?? []).find((v) => v.name === mounts[0].name);
  let object = null;
  if (volume?.configMap) object = find(objects, "ConfigMap", namespace, volume.configMap.name);
  if (volume?.secret) object = find(objects, "Secret", namespace, volume.secret.secretName);
  return { mount: mounts[0], volume, object };
}

function fileData(object, key) {
  if (object?.data?.[key] !== undefined) {
    return object.kind === "Secret" ? Buffer.from(object.data[key], "base64").toString("utf8")
                                    : object.data[key];
  }
  return object?.stringData?.[key];
}

export function checkWiring(objects) {
  const problems = [];
  for (const object of objects) {
    const pod = podSpecOf(object);
    if (pod === null) continue;
    const namespace = object.metadata?.namespace;
    const spec = pod.spec;
    const report = (message) => problems.push(`wiring: ${describe(object)}: ${message}`);
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap && !find(objects, "ConfigMap", namespace, volume.configMap.name)) {
        report(`volume ${volume.name}: no ConfigMap ${volume.configMap.name}`);
      }
      if (volume.secret && !find(objects, "Secret", namespace, volume.secret.secretName)) {
        report(`volume ${volume.name}: no Secret ${volume.secret.secretName}`);
      }
    }
    for (const container of spec.containers ?? []) {
      const flags = {};
      for (const arg of container.args ?? []) {
        const m = String(arg).match(/^(--[a-z-]+)=(.*)$/);
        if (m) flags[m[1]] = m[2];
      }
      // A file the service will open: it must be mounted, and be a key of its object.
      const needFile = (path, what, writable) => {
        const found = mountOf(path, container, spec, objects, namespace);
        if (found === null) {
          report(`container ${container.name}: ${what} ${path} is under no volume mount`);
          return null;
        }
        if (writable && (found.mount.readOnly || found.volume?.configMap || found.volume?.secret)) {
          report(`container ${container.name}: ${what} ${path} is on a read-only mount`);
        }
        if (found.volume?.configMap || found.volume?.secret) {
          const key = path.slice(found.mount.mountPath.replace(/\/?$/, "/").length);
          const data = fileData(found.object, key);
          if (data === undefined) {
            report(`container ${container.name}: ${what} ${path}: ${found.object?.kind ?? "volume"} ` +
                   `${found.object?.metadata?.name ?? found.volume.name} has no key ${key}`);
          }
          return data ?? null;
        }
        return null;
      };
      const configText = flags["--config"] ? needFile(flags["--config"], "--config", false) : null;
      let config = {};
      if (configText !== null) {
        try {
          config = YAML.parse(configText) ?? {};
        } catch (error) {
          report(`container ${container.name}: --config is not YAML: ${error.message}`);
        }
      }
      for (const flag of ["--scheduler-token-file", "--store-token-file", "--tokens", "--tls-cert", "--tls-key",
                          "--tls-client-ca", "--store-tls-ca", "--store-tls-cert", "--store-tls-key",
                          "--scheduler-tls-ca", "--scheduler-tls-cert", "--scheduler-tls-key"]) {
        if (flags[flag]) needFile(flags[flag], flag, false);
      }
      for (const key of ["tokens", "store_token_file"]) {
        if (typeof config[key] === "string" && !flags[`--${key.replace(/_/g, "-")}`]) {
          needFile(config[key], `configuration's ${key}`, false);
        }
      }
      // A --config that cannot be read is already a wiring problem; what it holds is unknown.
      const open = flags["--config"] && configText === null ? null
        : openListenProblem(container.args, typeof config.tokens === "string" && config.tokens !== "");
      if (open !== null) problems.push(`open-listen: ${describe(object)}: container ${container.name}: ${open}`);
      const db = flags["--db"] ?? config.db;
      if (typeof db === "string") needFile(db, "database", true);
      // In-cluster addresses: NAME.NAMESPACE.svc[.DOMAIN]:PORT.
      for (const [what, address] of [["--store", flags["--store"]], ["scheduler:", config.scheduler]]) {
        const m = typeof address === "string" && address.match(/^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.[a-z.]+)?:(\d+)$/);
        if (!m) continue;
        const service = find(objects, "Service", m[2], m[1]);
        if (!service) {
          // Another render (a spoke dialing a hub) may hold it; only this one's are known.
          if (objects.some((o) => o.kind === "Service" && o.metadata?.namespace === m[2])) {
            report(`container ${container.name}: ${what} ${address} names no Service of this render`);
          }
          continue;
        }
        if (!(service.spec?.ports ?? []).some((p) => p.port === Number(m[4]))) {
          report(`container ${container.name}: ${what} ${address}: Service ${m[1]} has no port ${m[4]}`);
        }
      }
    }
  }
  return problems;
}
