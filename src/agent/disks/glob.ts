// Minimal shell-style globs (`*` within a path segment, `**` across segments, `?`) for the disk
// filter, so an agent can be limited to some devices (e.g. a test agent to its own loop files).

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(globs: readonly RegExp[], candidates: readonly string[]): boolean {
  return candidates.some((c) => c !== '' && globs.some((g) => g.test(c)));
}
