# shellcheck shell=bash
# Template rendering: replaces @NAME@ placeholders in a template file.
# No eval and no envsubst, so nginx's own $variables pass through untouched.

# Renders TEMPLATE to OUTPUT with NAME=value pairs; fails if any @NAME@ is
# left, so a missing value is caught at `up` and not as an nginx error.
lab_render() {
  local template=$1 output=$2; shift 2
  local content pair name
  [ -f "$template" ] || lab_die "template $template not found"
  content=$(<"$template")
  for pair in "$@"; do
    name=${pair%%=*}
    # Quoted replacement: bash 5.2 would otherwise expand '&' in values.
    content=${content//"@${name}@"/"${pair#*=}"}
  done
  if [[ $content =~ @[A-Z][A-Z0-9_]*@ ]]; then
    lab_die "template $template: no value for ${BASH_REMATCH[0]}"
  fi
  printf '%s\n' "$content" >"$output"
}
