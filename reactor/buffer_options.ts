/**
 * Buffering settings of one connection (libevent's bufferevent watermarks).
 * All sizes are in bytes.
 */
export interface BufferOptions {
  /**
   * Size of the first read buffer of the `deno` transport. Small, because an
   * idle connection keeps one read pending into it; it grows while reads
   * fill it. (The `node` transport holds no buffer while idle.)
   * @default 256
   */
  initialReadBytes: number;
  /**
   * Largest read buffer of the `deno` transport. The `node` transport reads
   * up to 64 KiB at a time.
   * @default 65536
   */
  maxReadBytes: number;
  /**
   * Above this many queued bytes the connection stops reading; queued bytes
   * then stay below this plus one read.
   * @default 65536
   */
  highWatermark: number;
  /** At or below this many queued bytes reading resumes. @default 16384 */
  lowWatermark: number;
  /**
   * Hard limit of queued bytes. A write that would pass it closes the
   * connection with reason `slow-consumer`, so memory per connection stays
   * bounded whatever the peer does. Must exceed `highWatermark + maxReadBytes`.
   * @default 1048576
   */
  maxQueuedBytes: number;
}

/** The defaults of {@link BufferOptions}. */
export const defaultBufferOptions: Readonly<BufferOptions> = Object.freeze({
  initialReadBytes: 256,
  maxReadBytes: 65536,
  highWatermark: 65536,
  lowWatermark: 16384,
  maxQueuedBytes: 1048576,
});

/** Fills in defaults and rejects inconsistent settings with a RangeError. */
export function resolveBufferOptions(options: Partial<BufferOptions> = {}): BufferOptions {
  const resolved = { ...defaultBufferOptions, ...options };
  const { initialReadBytes, maxReadBytes, highWatermark, lowWatermark, maxQueuedBytes } = resolved;
  if (!(initialReadBytes >= 1 && initialReadBytes <= maxReadBytes)) {
    throw new RangeError("initialReadBytes must be between 1 and maxReadBytes");
  }
  if (!(lowWatermark >= 0 && lowWatermark <= highWatermark)) {
    throw new RangeError("lowWatermark must be between 0 and highWatermark");
  }
  if (!(maxQueuedBytes > highWatermark + maxReadBytes)) {
    throw new RangeError("maxQueuedBytes must exceed highWatermark + maxReadBytes");
  }
  return resolved;
}
