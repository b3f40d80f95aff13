/** Synthetic images for the suites that fingerprint and match: blocks and waves of colour, depicting nothing. */
import sharp from 'sharp';

/** A textured synthetic PNG (PDQ quality well above 50); `seed` makes unrelated ones. */
export async function syntheticImage(seed: number, size = 256): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const block = ((Math.floor(x / (16 + seed)) * 7 + Math.floor(y / (24 + seed)) * 13 + seed * 5) % 9) * 20;
      const wave = 60 * Math.sin(x / (9 + seed) + seed) + 50 * Math.cos((y * (1 + seed / 3)) / 13);
      const v = Math.max(0, Math.min(255, Math.round(60 + block + wave + (x > size * 0.6 && y < size * 0.3 ? 70 : 0))));
      raw[i] = v;
      raw[i + 1] = (v * (seed + 3)) % 256;
      raw[i + 2] = 255 - v;
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}
