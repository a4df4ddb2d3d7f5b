import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * Gzip for a fan-out: what many clients are sent is compressed once, for all of them.
 *
 * Each piece is raw deflate started afresh and ended with a sync flush, so it ends on a byte
 * boundary without a final block; its back-references stay inside it. Pieces therefore follow
 * one another in any order to make one valid deflate stream, and a client's gzip stream is the
 * gzip header, the pieces it was sent, a final empty block and the checksum of all it took —
 * which `crc32Combine` computes from the pieces' own checksums, without reading their bytes.
 */
export type GzipPiece = { deflated: Buffer; crc: number; length: number; crcShift: number };

/** Bytes sent to many clients, compressed once when the first client that takes gzip needs it. */
export class SharedBytes {
  private piece: GzipPiece | undefined;
  constructor(readonly bytes: Buffer) {}

  get gzipped(): GzipPiece {
    this.piece ??= {
      deflated: deflateRawSync(this.bytes, { finishFlush: constants.Z_SYNC_FLUSH }),
      crc: crc32(this.bytes),
      length: this.bytes.length,
      crcShift: crcShiftFor(this.bytes.length),
    };
    return this.piece;
  }
}

const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** A final deflate block with nothing in it: ends the stream. */
const LAST_BLOCK = deflateRawSync(Buffer.alloc(0));

/** One client's gzip stream, made of shared pieces. */
export class GzipStream {
  private crc = 0;
  private length = 0;

  readonly header = HEADER;

  /** The bytes to send for `piece`; counts it into the checksum. */
  next(piece: GzipPiece): Buffer {
    this.crc = crc32Combine(this.crc, piece);
    this.length = (this.length + piece.length) % 2 ** 32;
    return piece.deflated;
  }

  /** The final block and the trailer: the checksum and length of everything sent. */
  end(): Buffer {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.length, 4);
    return Buffer.concat([LAST_BLOCK, trailer]);
  }
}

/** Whether an Accept-Encoding header takes gzip (named, with a weight above zero). */
export const acceptsGzip = (header: string | undefined): boolean =>
  (header ?? '').split(',').some((part) => {
    const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (name !== 'gzip' && name !== 'x-gzip') return false;
    const weight = params.find((p) => p.startsWith('q='));
    return weight === undefined || Number(weight.slice(2)) > 0;
  });

// CRC-32 arithmetic modulo its polynomial, as zlib's crc32_combine_gen and crc32_combine_op.
const POLY = 0xedb88320;

/** a × b modulo the polynomial (bit-reversed, as the CRC keeps them). */
const multiplyModP = (a: number, b: number): number => {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if ((a & m) !== 0) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
};

/** x^(2^n) modulo the polynomial, for n = 0..31. */
const X_TO_2N: number[] = [];
for (let p = 1 << 30, n = 0; n < 32; n++) X_TO_2N.push(n === 0 ? p : (p = multiplyModP(p, p)));

/** The operator that moves a CRC past `length` more bytes: x^(8·length) modulo the polynomial. */
const crcShiftFor = (length: number): number => {
  let p = 0x80000000; // x^0
  for (let n = length, k = 3; n > 0; n = Math.floor(n / 2), k++)
    if (n % 2 === 1) p = multiplyModP(X_TO_2N[k % 32] as number, p);
  return p;
};

/** The CRC-32 of bytes whose CRC is `crc`, followed by the piece's bytes. */
export const crc32Combine = (crc: number, piece: Pick<GzipPiece, 'crc' | 'crcShift'>): number =>
  (multiplyModP(piece.crcShift, crc) ^ piece.crc) >>> 0;
