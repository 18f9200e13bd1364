/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib, PNG and gzip) of a string's UTF-8 bytes.
 *
 * The API-key checksum uses it. It is written out here, not taken from `node:zlib`, so that the
 * key format stays portable: the guard parses keys in workers and browsers too.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

const encoder = new TextEncoder();

/** The unsigned 32-bit CRC, as `zlib.crc32(text)` returns it. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of encoder.encode(text)) crc = (TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
