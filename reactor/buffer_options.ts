/**
 * Buffering settings of one connection (libevent's bufferevent watermarks).
 * All sizes are in bytes.
 */
export interface BufferOptions {
  /**
   * Size of the first read buffer. Small, because an idle connection keeps
   * one read pending into it; it grows four-fold while reads fill it and
   * shrinks again when they get small.
   * @default 256
   */
  initialReadBytes: number;
  /** Largest read buffer a busy connection grows to. @default 65536 */
  maxReadBytes: number;
  /**
   * Above this many queued bytes the connection stops reading (TCP
   * backpressure reaches the peer) until the queue drains to `lowWatermark`.
   * @default 65536
   */
  highWatermark: number;
  /** At or below this many queued bytes reading resumes. @default 16384 */
  lowWatermark: number;
  /**
   * Hard limit of queued bytes. A write that would pass it closes the
   * connection as `slow-consumer`, so memory per connection stays bounded
   * whatever the peer does. Output that answers the peer's own input never
   * gets there (reading pauses at the high watermark); output that others
   * cause (a chat room) does when the peer stops reading.
   * @default 1048576
   */
  maxQueuedBytes: number;
}

/** The defaults of {@link BufferOptions}. */
export const DEFAULT_BUFFER_OPTIONS: Readonly<BufferOptions> = Object.freeze({
  initialReadBytes: 256,
  maxReadBytes: 65536,
  highWatermark: 65536,
  lowWatermark: 16384,
  maxQueuedBytes: 1048576,
});

/** Fills in defaults and rejects inconsistent settings with a RangeError. */
export function resolveBufferOptions(options: Partial<BufferOptions> = {}): BufferOptions {
  const resolved = { ...DEFAULT_BUFFER_OPTIONS, ...options };
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
