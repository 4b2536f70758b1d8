// The rules every meshproof service applies when it starts (services/common/listen_policy.h),
// checked before deploying: an address other hosts can reach (--listen 0.0.0.0:..., a pod
// address) needs a tokens file (--tokens, or `tokens:` in the --config file), unless the
// operator passed --insecure-open; a --metrics-listen other hosts can reach needs
// --metrics-open (or --insecure-open), since /metrics has no tokens. A container that
// breaks either would exit 2 at start.

// True for 127.0.0.0/8, ::1, localhost and Unix sockets, as the services decide.
export function isLoopbackListen(address) {
  if (address.startsWith("unix:")) return true;
  let host = address;
  const bracket = host.match(/^\[([^\]]*)\]/);
  if (bracket) host = bracket[1];
  else if (host.split(":").length === 2) host = host.split(":")[0];
  host = host.toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// Returns why a service started with `args` (["--flag=value", ...]) would refuse to
// listen, or null. `configHasTokens`: its --config file names a tokens file. A service
// without --listen listens on loopback (the default 127.0.0.1:0).
export function openListenProblem(args, configHasTokens) {
  const flags = {};
  for (const arg of args ?? []) {
    const m = String(arg).match(/^(--[a-z-]+)(?:=(.*))?$/);
    if (m) flags[m[1]] = m[2] ?? true;
  }
  const listen = flags["--listen"];
  if (typeof listen === "string" && !isLoopbackListen(listen) &&
      !(flags["--tokens"] || configHasTokens || flags["--insecure-open"])) {
    return `--listen ${listen} is reachable from other hosts, and there is no --tokens (nor tokens: in ` +
           "its --config, nor --insecure-open): the service refuses to start";
  }
  const metrics = flags["--metrics-listen"];
  if (typeof metrics === "string" && !isLoopbackListen(metrics) &&
      !(flags["--metrics-open"] || flags["--insecure-open"])) {
    return `--metrics-listen ${metrics} is reachable from other hosts, and there is no --metrics-open ` +
           "(nor --insecure-open): the service refuses to start";
  }
  return null;
}
