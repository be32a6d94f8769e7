// What an LVM failure means for the caller, read from its stderr (LVM has few distinct exit
// codes: 5 covers almost everything).
import type { ErrorKind } from '../../agent-api/errors.ts';

const RULES: readonly [RegExp, ErrorKind][] = [
  [/insufficient (free )?(space|extents)/i, 'ResourceExhausted'],
  [/already exists/i, 'AlreadyExists'],
  [/(can't|cannot) create thin-pool|device-mapper kernel driver|without using device-mapper/i, 'FailedPrecondition'],
  [/in use|is open|still (open|active)|contains a filesystem in use/i, 'FailedPrecondition'],
  [/not found|failed to find|cannot process volume group/i, 'NotFound'],
  [/not larger than existing size|smaller than existing/i, 'InvalidArgument'],
];

export function classifyLvmError(stderr: string): ErrorKind | undefined {
  return RULES.find(([re]) => re.test(stderr))?.[1];
}
