// postinstall: link `node_modules/.bin/hellogate` to bin/hellogate.mjs in a checkout, so that
// `bunx hellogate` (which only looks in node_modules/.bin) finds it after `npm ci`, like `npx
// hellogate` does. npm does not link a project's own bins; as an installed dependency (no
// node_modules/.bin inside the package) this does nothing. Never fails the install.
import { existsSync, lstatSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
const link = join(binDir, "hellogate");
const target = relative(binDir, join(root, "bin", "hellogate.mjs"));
try {
  if (existsSync(binDir)) {
    let current;
    try {
      current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : "(a file)";
    } catch { /* absent */ }
    if (current !== target) {
      if (current !== undefined) unlinkSync(link);
      symlinkSync(target, link);
    }
  }
} catch (e) {
  process.stderr.write(`hellogate: could not link node_modules/.bin/hellogate (${e.message}); use npx hellogate\n`);
}
