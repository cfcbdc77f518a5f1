/**
 * First step of `deno task test`: makes sure the real clients and
 * components the tests drive are installed (installing the Debian packages
 * when running as root or with passwordless sudo), or stops with one line
 * naming the command to run. The list is `prerequisites/list.ts`.
 */
import { ensurePrerequisites } from "./prerequisites/ensure.ts";
import { PREREQUISITES } from "./prerequisites/list.ts";
import { realSystem } from "./prerequisites/real_system.ts";

if (!(await ensurePrerequisites(PREREQUISITES, realSystem))) Deno.exit(1);
