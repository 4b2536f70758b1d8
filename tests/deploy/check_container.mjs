// Checks deploy/container/Containerfile against what can be observed here, since no base
// image can be pulled or built:
//   - every shared library the built binaries load (ldd) belongs (dpkg -S) to a package
//     in the runtime stage's RUNTIME_LIBRARY_PACKAGES, and each of those packages
//     provides at least one of them (only the runtime packages);
//   - each Kubernetes container's image names a stage whose ENTRYPOINT it does not
//     override, whose EXPOSE port is its containerPort, --listen port and probe port,
//     whose USER is its runAsUser, whose image tag is the project's version, and whose
//     binary's --help lists every flag the container passes.
//   node check_container.mjs --containerfile F --bin-dir DIR --version V
//                            [--libraries-cache FILE] RENDERED.yaml...
// Prints every finding; exits 1 when there is one.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

import { describe, loadObjects, podSpecOf } from "./manifests.mjs";
import { openListenProblem } from "./listen_rule.mjs";

// Stages of a Containerfile: { name, from, args: {NAME: value}, expose: [ports],
// entrypoint: [..], cmd: [..], user, copies: [[sources.., dest]] }.
export function parseContainerfile(text) {
  const logical = [];
  let current = "";
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw)) continue;
    if (raw.endsWith("\\")) {
      current += raw.slice(0, -1) + " ";
      continue;
    }
    current += raw;
    if (current.trim()) logical.push(current.trim());
    current = "";
  }
  const stages = [];
  let stage = null;
  for (const line of logical) {
    const [, instruction, rest] = line.match(/^(\S+)\s*(.*)$/);
    const op = instruction.toUpperCase();
    if (op === "FROM") {
      const m = rest.match(/^(\S+)(?:\s+AS\s+(\S+))?$/i);
      stage = { name: m[2] ?? "", from: m[1], args: {}, expose: [], entrypoint: null, cmd: null,
                user: null, copies: [] };
      const parent = stages.find((s) => s.name === m[1]);
      if (parent) {
        Object.assign(stage.args, parent.args);
        stage.user = parent.user;
        stage.entrypoint = parent.entrypoint;
        stage.copies = [...parent.copies];
      }
      stages.push(stage);
    } else if (stage === null) {
      continue;
    } else if (op === "ARG") {
      const m = rest.match(/^(\w+)(?:="?(.*?)"?)?$/);
      stage.args[m[1]] = (m[2] ?? "").trim().split(/\s+/).filter(Boolean);
    } else if (op === "EXPOSE") {
      stage.expose.push(...rest.split(/\s+/).map((p) => Number(p.split("/")[0])));
    } else if (op === "ENTRYPOINT") {
      stage.entrypoint = JSON.parse(rest);
    } else if (op === "CMD") {
      stage.cmd = JSON.parse(rest);
    } else if (op === "USER") {
      stage.user = rest;
    } else if (op === "COPY") {
      stage.copies.push(rest.split(/\s+/).filter((w) => !w.startsWith("--")));
    }
  }
  return stages;
}

// The Debian packages owning `paths`, by dpkg's records, in one dpkg call (it is slow
// per call): Map path -> package. Each path is tried as ldd printed it, as its real path
// and as its /usr or non-/usr twin (Debian 12 merges /lib into /usr/lib, but dpkg
// records either spelling). A path no package owns is missing from the map.
function owningPackages(paths) {
  const spellings = new Map();
  for (const path of paths) {
    const candidates = new Set([path]);
    try { candidates.add(realpathSync(path)); } catch {}
    for (const p of [...candidates]) candidates.add(p.startsWith("/usr/") ? p.slice(4) : `/usr${p}`);
    spellings.set(path, [...candidates]);
  }
  const all = [...new Set([...spellings.values()].flat())];
  let out = "";
  try {
    out = execFileSync("dpkg", ["-S", ...all], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch (error) {
    out = error.stdout ?? "";  // dpkg exits 1 when any spelling is unknown, as most are
  }
  const owner = new Map();
  for (const line of out.split("\n")) {
    // "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"; diversions aside.
    const at = line.lastIndexOf(": /");
    if (at < 0 || line.startsWith("diversion")) continue;
    owner.set(line.slice(at + 2), line.slice(0, at).split(",")[0].split(":")[0].trim());
  }
  const result = new Map();
  for (const [path, candidates] of spellings) {
    const found = candidates.find((c) => owner.has(c));
    if (found) result.set(path, owner.get(found));
  }
  return result;
}

// The libraries `binary` loads, as ldd resolves them: [{ name, path }], path null when
// ldd says "not found".
function loadedLibraries(binary) {
  let out;
  try {
    out = execFileSync("ldd", [binary], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    return [{ name: `(ldd failed: ${String(error.stderr ?? error.message).trim()})`, path: null }];
  }
  const libraries = [];
  for (const line of out.split("\n")) {
    let m;
    if ((m = line.match(/^\s*(\S+) => not found/))) libraries.push({ name: m[1], path: null });
    else if ((m = line.match(/^\s*(\S+) => (\/\S+) \(0x/))) libraries.push({ name: m[1], path: m[2] });
    else if ((m = line.match(/^\s*(\/\S+) \(0x/))) libraries.push({ name: basename(m[1]), path: m[1] });
  }
  return libraries;
}

// What each binary loads and which package owns each library: { binary: [[path or
// null, library name, package or null]] }. Read from `cacheFile` when it exists (the
// negative cases re-check the same binaries; dpkg is slow), else observed and written.
function observeLibraries(binaries, binDir, cacheFile) {
  if (cacheFile && existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, "utf8"));
    if (binaries.every((b) => b in cached)) return cached;
  }
  const loads = {};
  for (const name of binaries) {
    const binary = join(binDir, name);
    if (existsSync(binary)) loads[name] = loadedLibraries(binary);
  }
  const paths = new Set(Object.values(loads).flat().filter((l) => l.path).map((l) => l.path));
  const owners = owningPackages(paths);
  const observed = {};
  for (const [name, libraries] of Object.entries(loads)) {
    observed[name] = libraries.map((l) => [l.path, l.name, l.path ? owners.get(l.path) ?? null : null]);
  }
  if (cacheFile) writeFileSync(cacheFile, JSON.stringify(observed));
  return observed;
}

function checkLibraries(stages, binDir, cacheFile, problems) {
  const runtime = stages.find((s) => s.name === "runtime");
  if (!runtime) {
    problems.push("Containerfile: no stage named runtime");
    return;
  }
  const listed = runtime.args.RUNTIME_LIBRARY_PACKAGES ?? [];
  if (listed.length === 0) problems.push("Containerfile: runtime stage has no RUNTIME_LIBRARY_PACKAGES");
  // The binaries the runtime stage copies out of the build stage.
  const binaries = runtime.copies.flatMap((words) => words.slice(0, -1)).map((p) => basename(p));
  if (binaries.length === 0) problems.push("Containerfile: the runtime stage copies no binaries");
  const observed = observeLibraries(binaries, binDir, cacheFile);
  const used = new Set();
  for (const name of binaries) {
    if (!(name in observed)) {
      problems.push(`${join(binDir, name)}: not built (build it first)`);
      continue;
    }
    for (const [path, library, owner] of observed[name]) {
      if (path === null) {
        problems.push(`${name}: ldd cannot find ${library}`);
      } else if (owner === null) {
        problems.push(`${name}: ${path} belongs to no Debian package`);
      } else {
        used.add(owner);
        if (!listed.includes(owner)) {
          problems.push(`${name} loads ${path} from ${owner}, which ` +
                        "RUNTIME_LIBRARY_PACKAGES does not list");
        }
      }
    }
  }
  for (const p of listed) {
    if (!used.has(p)) {
      problems.push(`RUNTIME_LIBRARY_PACKAGES lists ${p}, which provides no library the binaries load`);
    }
  }
  return used;
}

function portOfFlag(args, flag) {
  const pattern = new RegExp(`^${flag}=(?:.*):(\\d+)$`);
  for (const arg of args ?? []) {
    const m = String(arg).match(pattern);
    if (m) return Number(m[1]);
  }
  return null;
}

function portOfListen(args) {
  return portOfFlag(args, "--listen");
}

// The port grpc.health.v1 answers on: the plaintext --health-listen when given (the
// kubelet's gRPC probes cannot speak TLS), else the service's own --listen.
function healthPortOf(args) {
  return portOfFlag(args, "--health-listen") ?? portOfListen(args);
}

function checkManifests(stages, files, version, binDir, problems) {
  let containers = 0;
  for (const file of files) {
    for (const object of loadObjects(file)) {
      const pod = podSpecOf(object);
      if (pod === null) continue;
      for (const c of pod.spec.containers ?? []) {
        ++containers;
        const where = `${describe(object)} container ${c.name}`;
        const m = String(c.image).match(/^(.*\/)?([^/:@]+)(?::([^/@]+))?(@.*)?$/);
        const stage = stages.find((s) => s.name === m?.[2]);
        if (!stage) {
          problems.push(`${where}: image ${c.image} names no Containerfile stage`);
          continue;
        }
        if (m[3] !== version) {
          problems.push(`${where}: image tag ${m[3]} is not the project's version ${version}`);
        }
        if (c.command !== undefined) {
          problems.push(`${where}: sets command, overriding the stage's ENTRYPOINT ${JSON.stringify(stage.entrypoint)}`);
        }
        // The image exposes its gRPC port and, when its CMD serves health or metrics
        // apart, those ports: nothing else.
        const port = portOfListen(stage.cmd);
        const healthPort = healthPortOf(stage.cmd);
        const metricsPort = portOfFlag(stage.cmd, "--metrics-listen");
        const exposed = [...new Set([port, healthPort, metricsPort])].filter((p) => p !== null)
          .sort((a, b) => a - b);
        const declared = [...stage.expose].sort((a, b) => a - b);
        if (declared.join(",") !== exposed.join(",")) {
          problems.push(`stage ${stage.name}: EXPOSE ${declared.join(", ") || "none"}, its CMD serves ${exposed.join(", ")}`);
          continue;
        }
        const cmdPort = port;
        // The image run as it is (docker run IMAGE) must start, so its CMD follows the
        // services' listen rule too.
        const open = openListenProblem(stage.cmd, false);
        if (open !== null) problems.push(`stage ${stage.name}: CMD ${open}`);
        if (cmdPort === null) problems.push(`stage ${stage.name}: CMD has no --listen`);
        const ports = (c.ports ?? []).map((p) => p.containerPort).sort((a, b) => a - b);
        if (ports.join(",") !== declared.join(",")) {
          problems.push(`${where}: containerPort ${ports.join(", ") || "none"}, the image exposes ${declared.join(", ")}`);
        }
        const listen = portOfListen(c.args);
        if (listen !== port) problems.push(`${where}: --listen port ${listen}, the image exposes ${port}`);
        const metrics = portOfFlag(c.args, "--metrics-listen");
        if (metrics !== metricsPort) {
          problems.push(`${where}: metrics on ${metrics}, the image's metrics port is ${metricsPort}`);
        }
        const health = healthPortOf(c.args);
        if (health !== healthPort) {
          problems.push(`${where}: health answers on ${health}, the image's health port is ${healthPort}`);
        }
        for (const probe of ["livenessProbe", "readinessProbe"]) {
          const probePort = c[probe]?.grpc?.port;
          if (probePort !== health) problems.push(`${where}: ${probe} checks port ${probePort}, health answers on ${health}`);
        }
        // Every flag the manifest passes is one the entrypoint's --help lists.
        const entrypoint = join(binDir, basename(String(stage.entrypoint?.[0] ?? "")));
        let help = "";
        try {
          help = execFileSync(entrypoint, ["--help"], { encoding: "utf8" });
        } catch (error) {
          problems.push(`stage ${stage.name}: ${entrypoint} --help failed: ${error.message}`);
        }
        for (const arg of c.args ?? []) {
          const flag = String(arg).match(/^(--[a-z-]+)/)?.[1];
          if (flag && help && !new RegExp(`^\\s*${flag}[ =,]`, "m").test(help)) {
            problems.push(`${where}: ${basename(entrypoint)} has no flag ${flag}`);
          }
        }
        const uid = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
        const imageUid = Number(String(stage.user ?? "").split(":")[0]);
        if (!Number.isInteger(imageUid) || imageUid === 0) {
          problems.push(`stage ${stage.name}: USER ${stage.user} is not a numeric non-root user`);
        } else if (uid !== imageUid) {
          problems.push(`${where}: runAsUser ${uid}, the image's USER is ${imageUid}`);
        }
      }
    }
  }
  if (containers === 0) problems.push("no containers in the rendered manifests");
}

function main() {
  const argv = process.argv.slice(2);
  const options = {};
  const files = [];
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i].startsWith("--")) options[argv[i].slice(2)] = argv[++i];
    else files.push(argv[i]);
  }
  if (!options.containerfile || !options["bin-dir"] || !options.version || files.length === 0) {
    console.error("usage: check_container.mjs --containerfile F --bin-dir DIR --version V RENDERED.yaml...");
    process.exit(2);
  }
  const stages = parseContainerfile(readFileSync(options.containerfile, "utf8"));
  const problems = [];
  const used = checkLibraries(stages, options["bin-dir"], options["libraries-cache"], problems);
  checkManifests(stages, files, options.version, options["bin-dir"], problems);
  for (const p of problems) console.log(p);
  if (problems.length === 0) {
    console.log(`${options.containerfile}: ${used.size} runtime packages cover every library; ` +
                "entrypoints, ports and users match the manifests");
  }
  process.exit(problems.length > 0 ? 1 : 0);
}

main();
