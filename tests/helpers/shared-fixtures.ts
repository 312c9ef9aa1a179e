import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";

/**
 * The read-only `shared/fixtures/` directory that sits beside the clone (`../shared/fixtures` from
 * the repository root) in CI and on the team's machines, or `SHARED_FIXTURES_DIR` when set.
 * Returns null when it is not there (a user's own clone).
 */
export function sharedFixturesDir(): string | null {
  const dir = expectedDir();
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : null;
}

function expectedDir(): string {
  if (process.env.SHARED_FIXTURES_DIR) return path.resolve(process.env.SHARED_FIXTURES_DIR);
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  return path.resolve(repoRoot, "..", "shared", "fixtures");
}

export type SharedFixtures = {
  /** Absolute path of the fixture subdirectory, or null when absent (tests are then skipped). */
  dir: string | null;
  /** `describe` when the fixtures exist; otherwise `describe.skip` with the reason in the title. */
  describe: (name: string, fn: () => void) => void;
  /** Reads and parses a JSON file under `dir`; only call it when `dir` is not null. */
  readJson: <T = unknown>(relativePath: string) => T;
};

/**
 * For test files that need `shared/fixtures/<subdir>`: when it is absent the suites are skipped
 * with a clear message, except under `CI=true`, where absence throws so the run fails instead of
 * passing vacuously.
 */
export function requireSharedFixtures(subdir = ""): SharedFixtures {
  const base = sharedFixturesDir();
  const dir = base ? path.join(base, subdir) : null;
  const present = dir !== null && fs.existsSync(dir);
  if (present) {
    return {
      dir,
      describe: (name, fn) => describe(name, fn),
      readJson: <T,>(rel: string) => JSON.parse(fs.readFileSync(path.join(dir, rel), "utf8")) as T,
    };
  }
  const where = path.join(expectedDir(), subdir);
  const reason = `shared fixtures not found at ${where} (expected ../shared/fixtures beside the clone, or set SHARED_FIXTURES_DIR)`;
  if (process.env.CI === "true") {
    throw new Error(`${reason}. CI=true: missing fixtures are a failure, not a skip.`);
  }
  console.warn(`[shared-fixtures] ${reason}; skipping the suites that need them.`);
  return {
    dir: null,
    describe: (name, fn) => describe.skip(`${name} [skipped: ${reason}]`, fn),
    readJson: () => {
      throw new Error(reason);
    },
  };
}
