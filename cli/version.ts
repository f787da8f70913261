/**
 * The package version `hellogate --version` prints (from deno.json, which the release keeps
 * equal to package.json's).
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** The package version, e.g. "0.1.0". */
export const VERSION: string = denoJson.version;
