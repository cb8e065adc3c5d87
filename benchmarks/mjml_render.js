// Per-render time of node MJML inside node: the "node MJML, per render" benchmark row.
//
//   node benchmarks/mjml_render.js NODE_MJML_DIR SOURCE.mjml REPEAT [RESULT.json]
//
// NODE_MJML_DIR is the npm prefix that holds node_modules/mjml (benchmarks/work/node-mjml).
// Renders SOURCE once untimed (module loading, JIT warm-up), then REPEAT times with the library's
// defaults (validationLevel "soft", no beautify, no minify), and writes the mean wall and CPU seconds
// per render, the HTML size and the validation messages as JSON (to RESULT.json, else stdout).
"use strict";

const fs = require("fs");
const path = require("path");

async function main() {
  const [prefix, source, repeatText, resultPath] = process.argv.slice(2);
  const repeat = Number.parseInt(repeatText, 10);
  if (!prefix || !source || !(repeat >= 1)) {
    console.error("usage: node mjml_render.js NODE_MJML_DIR SOURCE.mjml REPEAT [RESULT.json]");
    return 2;
  }
  const modules = path.resolve(prefix, "node_modules");
  const mjml2html = require(path.join(modules, "mjml"));
  const version = JSON.parse(fs.readFileSync(path.join(modules, "mjml", "package.json"), "utf8")).version;
  const mjml = fs.readFileSync(source, "utf8");
  const options = { validationLevel: "soft" };

  let started = process.hrtime.bigint();
  const first = await mjml2html(mjml, options); // mjml 5 returns a promise, mjml 4 the result
  const firstSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  const cpu = process.cpuUsage();
  started = process.hrtime.bigint();
  for (let i = 0; i < repeat; i += 1) {
    await mjml2html(mjml, options);
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const result = {
    repeat,
    first_s: firstSeconds,
    mean_s: wall / repeat,
    cpu_s: (used.user + used.system) / 1e6 / repeat,
    sys_s: used.system / 1e6 / repeat,
    html_bytes: Buffer.byteLength(first.html, "utf8"),
    version,
    node: process.version,
    errors: (first.errors || []).map((e) => e.formattedMessage || e.message || String(e)),
  };
  const text = JSON.stringify(result, null, 2) + "\n";
  if (resultPath) {
    fs.writeFileSync(resultPath, text);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exitCode = 1;
  },
);
