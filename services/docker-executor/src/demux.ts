/**
 * Docker's multiplexed log format (no TTY): frames of an 8-byte header — stream type, three
 * zero bytes, a big-endian length — and the payload. Chunks may split frames anywhere.
 */
export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly emit: (stream: 'stdout' | 'stderr', data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const type = this.pending[0];
      this.emit(type === 2 ? 'stderr' : 'stdout', this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
    }
  }
}
