// The deployment policy every rendered manifest must meet. Each check has an id (the
// first word of its messages) so the negative cases in bad/ can say which check must
// reject them:
//   rbac-wildcard       "*" in a rule's apiGroups, resources, verbs or resourceNames
//   rbac-not-allowed    a resource or verb outside rbac-allowed.yaml, or nonResourceURLs
//   rbac-cluster-wide   a ClusterRole/ClusterRoleBinding (or a RoleBinding to a
//                       ClusterRole) without a meshproof/cluster-wide-because annotation
//   rbac-subject        a binding to anything but a ServiceAccount
//   probes              a container without a liveness or a readiness probe
//   resources           a container without cpu and memory requests and limits
//   security-context    not runAsNonRoot, a writable root filesystem, privilege
//                       escalation, capabilities not all dropped (or any added),
//                       privileged, seccomp other than RuntimeDefault
//   host-namespaces     hostNetwork, hostPID or hostIPC
//   image               an image without a tag or digest, or tagged latest
//   termination-grace   terminationGracePeriodSeconds unset or not above the drain
//   network-policy      a workload no NetworkPolicy selects for Ingress, or whose
//                       egress is open without a meshproof/egress-unrestricted-because
//                       annotation
//   sidecar             a workload without the sidecar.istio.io/inject: "true" pod label
//   api-token           a pod that mounts a Kubernetes API token although no binding
//                       grants its ServiceAccount anything
import { describe, podSpecOf } from "./manifests.mjs";

function problem(list, check, object, message) {
  list.push(`${check}: ${describe(object)}: ${message}`);
}

function justified(object, annotation) {
  const text = object.metadata?.annotations?.[annotation];
  return typeof text === "string" && text.trim().length > 0;
}

function checkRbac(objects, allowed, problems) {
  for (const object of objects) {
    const kind = object.kind;
    if (kind === "ClusterRole" || kind === "ClusterRoleBinding") {
      if (!justified(object, "meshproof/cluster-wide-because")) {
        problem(problems, "rbac-cluster-wide", object,
                "cluster-wide RBAC without a meshproof/cluster-wide-because annotation");
      }
    }
    if (kind === "RoleBinding" && object.roleRef?.kind === "ClusterRole" &&
        !justified(object, "meshproof/cluster-wide-because")) {
      problem(problems, "rbac-cluster-wide", object,
              `binds the ClusterRole ${object.roleRef?.name} without a ` +
              "meshproof/cluster-wide-because annotation");
    }
    if (kind === "RoleBinding" || kind === "ClusterRoleBinding") {
      for (const subject of object.subjects ?? []) {
        if (subject.kind !== "ServiceAccount") {
          problem(problems, "rbac-subject", object,
                  `binds ${subject.kind} "${subject.name}"; only ServiceAccounts may be bound`);
        }
      }
    }
    if (kind !== "Role" && kind !== "ClusterRole") continue;
    if (object.aggregationRule) {
      problem(problems, "rbac-not-allowed", object, "aggregationRule grants what it collects");
    }
    (object.rules ?? []).forEach((rule, i) => {
      const at = `rules[${i}]`;
      for (const field of ["apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"]) {
        for (const value of rule[field] ?? []) {
          if (typeof value === "string" && value.includes("*")) {
            problem(problems, "rbac-wildcard", object, `${at}.${field} has "${value}"`);
          }
        }
      }
      if ((rule.nonResourceURLs ?? []).length > 0) {
        problem(problems, "rbac-not-allowed", object, `${at} grants nonResourceURLs`);
      }
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          if (resource.includes("*") || group.includes("*")) continue;  // reported above
          const verbs = allowed?.[group]?.[resource];
          if (!verbs) {
            problem(problems, "rbac-not-allowed", object,
                    `${at} grants "${resource}" in API group "${group}", not in rbac-allowed.yaml`);
            continue;
          }
          for (const verb of rule.verbs ?? []) {
            if (!verb.includes("*") && !verbs.includes(verb)) {
              problem(problems, "rbac-not-allowed", object,
                      `${at} grants "${verb}" on "${resource}"; allowed: ${verbs.join(", ")}`);
            }
          }
        }
      }
    });
  }
}

// True when the image reference names a tag other than latest, or a digest.
function pinnedImage(image) {
  if (typeof image !== "string" || image.length === 0) return false;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  if (colon < 0) return false;
  const tag = image.slice(colon + 1);
  return tag.length > 0 && tag !== "latest";
}

function checkContainer(object, pod, container, isInit, drainSeconds, problems) {
  const name = `container ${container.name}`;
  if (!isInit) {
    if (!container.livenessProbe) problem(problems, "probes", object, `${name} has no livenessProbe`);
    if (!container.readinessProbe) problem(problems, "probes", object, `${name} has no readinessProbe`);
  }
  for (const kind of ["requests", "limits"]) {
    for (const resource of ["cpu", "memory"]) {
      if (container.resources?.[kind]?.[resource] === undefined) {
        problem(problems, "resources", object, `${name} has no ${kind}.${resource}`);
      }
    }
  }
  const sc = container.securityContext ?? {};
  const podSc = pod.securityContext ?? {};
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
    problem(problems, "security-context", object, `${name}: runAsNonRoot is not true`);
  }
  if ((sc.runAsUser ?? podSc.runAsUser) === 0) {
    problem(problems, "security-context", object, `${name}: runAsUser is 0`);
  }
  if (sc.readOnlyRootFilesystem !== true) {
    problem(problems, "security-context", object, `${name}: readOnlyRootFilesystem is not true`);
  }
  if (sc.allowPrivilegeEscalation !== false) {
    problem(problems, "security-context", object, `${name}: allowPrivilegeEscalation is not false`);
  }
  if (sc.privileged === true) {
    problem(problems, "security-context", object, `${name}: privileged`);
  }
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) {
    problem(problems, "security-context", object, `${name}: capabilities.drop does not hold ALL`);
  }
  if ((sc.capabilities?.add ?? []).length > 0) {
    problem(problems, "security-context", object,
            `${name}: capabilities.add has ${sc.capabilities.add.join(", ")}`);
  }
  const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
  if (seccomp !== "RuntimeDefault") {
    problem(problems, "security-context", object,
            `${name}: seccompProfile is ${seccomp ?? "unset"}, not RuntimeDefault`);
  }
  if (!pinnedImage(container.image)) {
    problem(problems, "image", object,
            `${name}: image "${container.image ?? ""}" has no tag or digest, or is tagged latest`);
  }
}

function selects(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case "In": if (!values.includes(value)) return false; break;
      case "NotIn": if (values.includes(value)) return false; break;
      case "Exists": if (value === undefined) return false; break;
      case "DoesNotExist": if (value !== undefined) return false; break;
      default: return false;
    }
  }
  return true;
}

function checkNetworkPolicy(objects, object, labels, problems) {
  const namespace = object.metadata?.namespace;
  const policies = objects.filter((p) => p.kind === "NetworkPolicy" &&
                                         p.metadata?.namespace === namespace &&
                                         selects(p.spec?.podSelector, labels));
  // policyTypes defaults to Ingress (plus Egress when egress rules are given).
  const types = (p) => p.spec?.policyTypes ?? ["Ingress", ...(p.spec?.egress ? ["Egress"] : [])];
  if (!policies.some((p) => types(p).includes("Ingress"))) {
    problem(problems, "network-policy", object, "no NetworkPolicy restricts its ingress");
  }
  if (!policies.some((p) => types(p).includes("Egress")) &&
      !policies.some((p) => justified(p, "meshproof/egress-unrestricted-because"))) {
    problem(problems, "network-policy", object,
            "its egress is unrestricted and no NetworkPolicy selecting it says why " +
            "(meshproof/egress-unrestricted-because)");
  }
}

// A pod gets an API token unless its spec or its ServiceAccount turns that off; only a
// ServiceAccount some binding grants something has a use for one.
function checkApiToken(objects, object, spec, problems) {
  const namespace = object.metadata?.namespace;
  const accountName = spec.serviceAccountName ?? "default";
  const account = objects.find((o) => o.kind === "ServiceAccount" && o.metadata?.name === accountName &&
                                      o.metadata?.namespace === namespace);
  const mounted = spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
  if (!mounted) return;
  const bound = objects.some((o) => (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") &&
      (o.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === accountName &&
                                     (s.namespace ?? o.metadata?.namespace) === namespace));
  if (!bound) {
    problem(problems, "api-token", object,
            `mounts an API token for ServiceAccount ${accountName}, which no binding grants ` +
            "anything: set automountServiceAccountToken: false");
  }
}

// Runs every check. `allowed` is rbac-allowed.yaml; `drainSeconds` the services' drain
// deadline. Returns one message per finding, each starting with its check id.
export function checkPolicy(objects, { allowed, drainSeconds }) {
  const problems = [];
  checkRbac(objects, allowed, problems);
  for (const object of objects) {
    const pod = podSpecOf(object);
    if (pod === null) continue;
    const spec = pod.spec;
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (spec[field] === true) problem(problems, "host-namespaces", object, `${field} is true`);
    }
    const grace = spec.terminationGracePeriodSeconds;
    if (!(Number.isInteger(grace) && grace > drainSeconds)) {
      problem(problems, "termination-grace", object,
              `terminationGracePeriodSeconds is ${grace ?? "unset"}; it must be above the ` +
              `services' ${drainSeconds} s drain`);
    }
    if (pod.labels["sidecar.istio.io/inject"] !== "true") {
      problem(problems, "sidecar", object, 'the pod template lacks sidecar.istio.io/inject: "true"');
    }
    const containers = spec.containers ?? [];
    if (containers.length === 0) problem(problems, "probes", object, "has no containers");
    for (const c of containers) checkContainer(object, spec, c, false, drainSeconds, problems);
    for (const c of spec.initContainers ?? []) checkContainer(object, spec, c, true, drainSeconds, problems);
    checkNetworkPolicy(objects, object, pod.labels, problems);
    checkApiToken(objects, object, spec, problems);
  }
  return problems;
}
