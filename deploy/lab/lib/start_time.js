// Envoy's %START_TIME% for the lab's stream gateways. nginx logs a stream session when it
// ends and only knows the current time ($msec); the session started $session_time
// seconds earlier. Envoy writes the start, and the agent ties a line to its call by it: a
// connection of an earlier call that closes late must not look like this call's.
function start_time(s) {
  var end = parseFloat(s.variables.msec);
  var length = parseFloat(s.variables.session_time);
  if (isNaN(end) || isNaN(length)) return '-';
  return new Date(Math.round((end - length) * 1000)).toISOString();
}

export default {start_time};
