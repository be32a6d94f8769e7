// Kubernetes quantities ("10Gi", "1.5G", "500M") as exact byte counts, and back. Sizes are bigint:
// volumes past 2^53 bytes are rare but the arithmetic must never round.

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, bigint> = { '': 1n, k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n, P: 10n ** 15n, E: 10n ** 18n };
const QUANTITY = /^(?=\d|\.\d)(\d*)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** Bytes of a quantity, rounded up to a whole byte (as Kubernetes does for storage requests). */
export function parseQuantity(quantity: string): bigint {
  const m = QUANTITY.exec(quantity.trim());
  if (!m) throw new QuantityError(`"${quantity}" is not a size: use a number with an optional suffix, e.g. 10Gi or 500M`);
  const [, whole, frac = '', suffix = ''] = m;
  const unit = BINARY[suffix] ?? DECIMAL[suffix]!;
  const scale = 10n ** BigInt(frac.length);
  const numerator = (BigInt(whole || '0') * scale + BigInt(frac || '0')) * unit;
  return (numerator + scale - 1n) / scale;
}

/** The shortest exact binary form: 10737418240n → "10Gi", 1000n → "1000". */
export function formatBytes(bytes: bigint | number | string): string {
  const b = BigInt(bytes);
  if (b < 0n) throw new QuantityError(`negative size ${b}`);
  if (b === 0n) return '0';
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = BINARY[suffix]!;
    if (b % unit === 0n) return `${b / unit}${suffix}`;
  }
  return b.toString();
}

/**
 * A size for people to read where exactness does not matter (a filesystem's size): the largest
 * binary unit that gives at least 1, rounded down to one decimal, so it never overstates.
 */
export function formatBytesRounded(bytes: bigint | number | string): string {
  const b = BigInt(bytes);
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = BINARY[suffix]!;
    if (b < unit) continue;
    const tenths = (b * 10n) / unit;
    return tenths % 10n === 0n ? `${tenths / 10n}${suffix}` : `${tenths / 10n}.${tenths % 10n}${suffix}`;
  }
  return formatBytes(b);
}

/** Rounds `bytes` up to a multiple of `unit` (an extent, a sector). */
export function roundUp(bytes: bigint, unit: bigint): bigint {
  if (unit <= 0n) return bytes;
  return ((bytes + unit - 1n) / unit) * unit;
}
