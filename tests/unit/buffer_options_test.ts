import assert from "node:assert/strict";
import { resolveBufferOptions } from "../../reactor/buffer_options.ts";

Deno.test("buffer options: settings that could not bound memory are rejected", () => {
  assert.equal(resolveBufferOptions({ highWatermark: 1024, lowWatermark: 10 }).highWatermark, 1024);
  assert.throws(() => resolveBufferOptions({ lowWatermark: 70_000 }), /lowWatermark/);
  assert.throws(() => resolveBufferOptions({ initialReadBytes: 0 }), /initialReadBytes/);
  assert.throws(() => resolveBufferOptions({ maxQueuedBytes: 65_536 }), /maxQueuedBytes/);
});
