import denoJson from "../deno.json" with { type: "json" };

/** The program version, from `deno.json` (part of the module graph, so compile-safe). */
export const VERSION: string = denoJson.version;

/** The program name shown to users and in logs. */
export const NAME = "echochat";
