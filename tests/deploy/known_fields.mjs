// Finds fields the Kubernetes API does not define. The validators compiled into
// kubernetes-models accept unknown fields (as the OpenAPI schemas do), so a misspelt
// optional field (`readinessProbes`) would pass them; the API server would drop or refuse
// it. The package's TypeScript declarations list every field of every type, with the
// type of each: this walks an object along them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const modules = join(dirname(fileURLToPath(import.meta.url)), "npm/node_modules");
const parsed = new Map();  // .d.ts path -> { fields: Map(name -> type) } or null

function declarationPath(from, specifier) {
  const base = specifier.startsWith(".") ? resolve(dirname(from), specifier) : join(modules, specifier);
  return `${base}.d.ts`;
}

// Reads the fields of a type body whose fields are indented by `indent` spaces, from line
// `i` to the line that closes it; returns [fields, the closing line's index]. A field's
// type is a declaration elsewhere (`declaration`), an inline object (`inline`, as in
// StatefulSet's volumeClaimTemplates), or a leaf (neither); `map` and `array` wrap it.
function parseFields(lines, i, indent, imports) {
  const fields = new Map();
  const field = new RegExp(`^ {${indent}}"([^"]+)"\\??: (.*?);?$`);
  const close = new RegExp(`^ {${indent - 4}}\\}`);
  for (; i < lines.length && !close.test(lines[i]); ++i) {
    const m = lines[i].match(field);
    if (!m) continue;
    let type = m[2];
    const entry = { map: false, array: false, declaration: null, inline: null };
    if (type === "{" && /\[key: string\]: /.test(lines[i + 1])) {
      entry.map = true;
      type = lines[i + 1].match(/\[key: string\]: (.*);$/)[1];
    } else if (type === "{" || type === "Array<{") {
      entry.array = type !== "{";
      const [inline, end] = parseFields(lines, i + 1, indent + 4, imports);
      entry.inline = { fields: inline };
      fields.set(m[1], entry);
      i = end;
      continue;
    }
    const a = type.match(/^Array<(.+)>$/);
    if (a) {
      entry.array = true;
      type = a[1];
    }
    entry.declaration = imports.get(type) ?? null;
    fields.set(m[1], entry);
  }
  return [fields, i];
}

// The first interface declared in `path`: its fields, with imported type names resolved
// to the .d.ts that declares them. null when the file declares a type alias instead (a
// Quantity, an IntOrString, a Time: leaves).
function interfaceOf(path) {
  if (parsed.has(path)) return parsed.get(path);
  let result = null;
  if (existsSync(path)) {
    const lines = readFileSync(path, "utf8").split("\n");
    const imports = new Map();
    for (const line of lines) {
      const m = line.match(/^import \{ (.+) \} from "(.+)";$/);
      if (m) for (const name of m[1].split(",")) imports.set(name.trim(), declarationPath(path, m[2]));
    }
    const start = lines.findIndex((l) => /^export interface \w+( extends [\w, ]+)? \{$/.test(l));
    if (start >= 0) {
      const [fields] = parseFields(lines, start + 1, 4, imports);
      if (/extends .*TypeMeta/.test(lines[start])) {
        fields.set("apiVersion", { declaration: null, inline: null });
        fields.set("kind", { declaration: null, inline: null });
      }
      result = { fields };
    }
  }
  parsed.set(path, result);
  return result;
}

// `type` is a parsed interface ({ fields }) or a .d.ts path to read one from.
function walk(value, type, where, problems) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  const known = typeof type === "string" ? interfaceOf(type) : type;
  if (known === null) return;
  for (const [key, child] of Object.entries(value)) {
    const at = where ? `${where}.${key}` : key;
    const field = known.fields.get(key);
    if (field === undefined) {
      problems.push(`${at}: no such field`);
      continue;
    }
    const inner = field.inline ?? field.declaration;
    if (inner === null || inner === undefined) continue;
    if (field.map && child && typeof child === "object") {
      for (const [k, v] of Object.entries(child)) walk(v, inner, `${at}[${k}]`, problems);
    } else if (field.array && Array.isArray(child)) {
      child.forEach((v, i) => walk(v, inner, `${at}[${i}]`, problems));
    } else {
      walk(child, inner, at, problems);
    }
  }
}

// Returns "FIELD.PATH: no such field" for every field of `object` its kind's type does
// not declare; `modelPath` is the kind's .mjs module in kubernetes-models.
export function unknownFields(object, modelPath) {
  const problems = [];
  walk(object, modelPath.replace(/\.mjs$/, ".d.ts"), "", problems);
  return problems;
}
