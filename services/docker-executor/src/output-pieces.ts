import { StringDecoder } from 'node:string_decoder';

type Stream = 'stdout' | 'stderr';
export type Piece = { stream: Stream; data: string };

/**
 * Gathers demultiplexed output into pieces of at most `pieceBytes` (one message each), so a
 * thousand short lines travel as one message and one huge line as several, and stops taking
 * output after `maxBytes`. Consecutive output of one stream shares a piece; a UTF-8 character
 * split between reads is finished in the next piece rather than mangled.
 */
export class OutputPieces {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingStream: Stream = 'stdout';
  private taken = 0;
  private readonly decoders = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  constructor(
    private readonly pieceBytes: number,
    private readonly maxBytes = Infinity,
  ) {}

  /** True once `maxBytes` of output were taken and more came: the rest is cut off. */
  get cut(): boolean {
    return this.taken > this.maxBytes;
  }

  /** Takes one frame of output; returns the pieces it completed. */
  push(stream: Stream, data: Buffer): Piece[] {
    const room = this.maxBytes - Math.min(this.taken, this.maxBytes);
    this.taken += data.length;
    let rest = data.subarray(0, room);
    const done = stream === this.pendingStream ? [] : this.flush();
    this.pendingStream = stream;
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.pieceBytes - this.pendingBytes);
      this.pending.push(rest.subarray(0, take));
      this.pendingBytes += take;
      rest = rest.subarray(take);
      if (this.pendingBytes === this.pieceBytes) done.push(...this.flush());
    }
    return done;
  }

  /** The output taken but not yet in a piece. */
  flush(): Piece[] {
    if (this.pendingBytes === 0) return [];
    const data = this.decoders[this.pendingStream].write(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
    return data === '' ? [] : [{ stream: this.pendingStream, data }];
  }
}
