// The product documentation stands alone: every link in README.md and docs/ resolves inside the
// repository, and every repository path a doc names in backticks exists. Docs link nothing
// outside the repository, so an http(s) URL is a failure unless it is a placeholder listed here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** URLs a doc may show, each with why it is no link to the outside. */
const ALLOWED_URLS: readonly { readonly prefix: string; readonly why: string }[] = [
  { prefix: 'https://example.org/', why: 'the reserved example domain (RFC 2606): the placeholder repoURL of the Argo CD example' },
  { prefix: 'https://kubernetes.default.svc', why: 'the in-cluster API server address, as Argo CD names its own cluster' },
];

/** Top-level entries that are not part of the repository: installed or built locally, git-ignored. */
const NOT_IN_REPO = new Set(['.git', 'node_modules', '.rig', 'dist']);

/** The roots a repository path in a doc starts with: the conventional ones, so a doc citing a removed folder fails, and whatever else is at the top. */
const REPO_ROOTS = new Set(['src', 'test', 'docs', 'scripts', 'bench', 'proto', 'crds', 'charts-gen', 'examples', 'bin']);

interface Problem {
  readonly line: number;
  readonly target: string;
  readonly why: string;
}

interface Repo {
  readonly root: string;
  readonly roots: ReadonlySet<string>;
}

function scanRepo(root: string): Repo {
  const top = readdirSync(root).filter((name) => !name.startsWith('.') && !NOT_IN_REPO.has(name));
  return { root, roots: new Set([...REPO_ROOTS, ...top]) };
}

/** Files and folders under `dir` (relative to root, `/` separators), `dir` itself excluded. */
function pathsUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      out.push(child);
      if (entry.isDirectory()) walk(child);
    }
  };
  if (existsSync(path.join(root, dir))) walk(dir);
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2 … */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = m[1]!
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

interface Line {
  readonly line: number;
  readonly text: string;
  readonly fenced: boolean;
}

function* lines(markdown: string): Generator<Line> {
  let fence: string | undefined;
  for (const [i, text] of markdown.split('\n').entries()) {
    const marker = /^\s*(```+|~~~+)/.exec(text)?.[1];
    if (marker && (!fence || marker.startsWith(fence))) {
      fence = fence ? undefined : marker;
      continue;
    }
    yield { line: i + 1, text, fenced: fence !== undefined };
  }
}

function* proseLines(markdown: string): Generator<Line> {
  for (const l of lines(markdown)) if (!l.fenced) yield l;
}

/** Inline code spans of a prose line, and the line with them blanked out. */
function splitCode(text: string): { code: string[]; prose: string } {
  const code: string[] = [];
  const prose = text.replace(/(`+)(.+?)\1/g, (_, _ticks: string, inner: string) => {
    code.push(inner);
    return 'code';
  });
  return { code, prose };
}

/** Words of code that name a repository path: they start with a top-level entry and go below it. */
function repoPathsIn(code: string, roots: ReadonlySet<string>): string[] {
  // Commas inside braces (`src/csi/{server,errors}.ts`) belong to the path.
  const braced = code.replace(/\{[^{}\s]*\}/g, (b) => b.replace(/,/g, '\0'));
  return braced
    .split(/[\s=,;()"'<>[\]|]+/)
    .map((w) =>
      w
        .replace(/\0/g, ',')
        .replace(/[.:]+$/, '')
        .replace(/:\d+(:\d+)?$/, '')
        .replace(/^\.\//, ''),
    )
    .filter((w) => w.includes('/') && roots.has(w.split('/')[0]!));
}

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts`. */
function expandBraces(p: string): string[] {
  const m = /\{([^{}]*)\}/.exec(p);
  if (!m) return [p];
  return m[1]!.split(',').flatMap((alt) => expandBraces(p.slice(0, m.index) + alt + p.slice(m.index + m[0].length)));
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^$()|[\]\\]/g, '\\$&')
    .replace(/\*\*/g, '\0')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]')
    .replace(/\0/g, '.*');
  return new RegExp(`^${body}$`);
}

/** Whether a repository-relative path (globs and braces allowed, trailing `/` for folders) exists. */
function existsInRepo(repo: Repo, rel: string): boolean {
  return expandBraces(rel).every((one) => {
    const clean = one.replace(/\/+$/, '');
    if (/[*?]/.test(clean)) {
      // Walk only below the glob's literal folder.
      const base = clean
        .slice(0, clean.search(/[*?]/))
        .replace(/[^/]*$/, '')
        .replace(/\/$/, '');
      const re = globRegExp(clean);
      return pathsUnder(repo.root, base).some((p) => re.test(p));
    }
    return existsSync(path.join(repo.root, clean));
  });
}

/** Everything wrong with the links and paths of one markdown file. */
function checkDoc(repo: Repo, file: string, markdown: string, anchorsFor: (absFile: string) => Set<string>): Problem[] {
  const problems: Problem[] = [];
  const dir = path.dirname(file);
  for (const { line, text, fenced } of lines(markdown)) {
    for (const url of text.match(/\bhttps?:\/\/[^\s)>\]"'`]+/g) ?? []) {
      if (!ALLOWED_URLS.some((a) => url.startsWith(a.prefix))) problems.push({ line, target: url, why: 'links outside the repository' });
    }
    const { code, prose } = fenced ? { code: [text], prose: '' } : splitCode(text);
    for (const c of code) {
      for (const rel of repoPathsIn(c, repo.roots)) {
        if (!existsInRepo(repo, rel)) problems.push({ line, target: rel, why: 'names a repository path that does not exist' });
      }
    }
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^https?:/.test(target)) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        problems.push({ line, target, why: 'is not a relative link' });
        continue;
      }
      if (target.startsWith('/')) {
        problems.push({ line, target, why: 'is absolute; link relative to the document' });
        continue;
      }
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      if (!pathPart) {
        if (anchor && !anchorsFor(file).has(anchor)) problems.push({ line, target, why: `has no heading for #${anchor}` });
        continue;
      }
      const resolved = path.resolve(dir, decodeURIComponent(pathPart));
      const rel = path.relative(repo.root, resolved);
      if (rel.startsWith('..') || path.isAbsolute(rel) || NOT_IN_REPO.has(rel.split(path.sep)[0]!)) {
        problems.push({ line, target, why: 'points outside the repository' });
        continue;
      }
      if (!existsSync(resolved)) {
        problems.push({ line, target, why: 'does not resolve to a file or folder' });
        continue;
      }
      if (anchor && resolved.endsWith('.md') && statSync(resolved).isFile() && !anchorsFor(resolved).has(anchor)) {
        problems.push({ line, target, why: `has no heading for #${anchor}` });
      }
    }
  }
  return problems;
}

function productDocs(root: string): string[] {
  const docs: string[] = [path.join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.md')) docs.push(path.join(dir, e.name));
    }
  };
  walk(path.join(root, 'docs'));
  return docs;
}

const anchorCache = new Map<string, Set<string>>();
const anchorsOfFile = (abs: string) => {
  let a = anchorCache.get(abs);
  if (!a) anchorCache.set(abs, (a = anchorsOf(readFileSync(abs, 'utf8'))));
  return a;
};

test('every link and repository path in README.md and docs/ resolves inside the repository', () => {
  const repo = scanRepo(ROOT);
  const docs = productDocs(ROOT);
  assert.ok(docs.length >= 4, `README.md and docs/*.md, found ${docs.length}`);
  const report = docs.flatMap((file) =>
    checkDoc(repo, file, readFileSync(file, 'utf8'), anchorsOfFile).map(
      (p) => `${path.relative(ROOT, file)}:${p.line}: ${p.target} ${p.why}`,
    ),
  );
  assert.equal(report, [], `broken doc references:\n${report.join('\n')}`);
});

test('the checker catches each kind of broken reference, and accepts good ones', () => {
  const repo = scanRepo(ROOT);
  const file = path.join(ROOT, 'docs', 'example.md');
  const own = () => new Set(['the-agent']);
  const problems = (md: string) => checkDoc(repo, file, md, own).map((p) => `${p.target} ${p.why}`);
  const good = [
    '# The agent',
    'See [the agent](agent.md), [the README](../README.md), [examples](../examples/) and [above](#the-agent).',
    'Flags are in `src/agent/config.ts`, the CRDs in `crds/*.yaml`, run `npx tsx scripts/test.ts unit`; `src/csi/{server,errors}.ts`.',
    'Argo CD: `repoURL: https://example.org/your/fork.git`; labels such as `storage.stratum.dev/evict=true` are no paths.',
    '```',
    'src/agent/       the node agent',
    '```',
  ].join('\n');
  assert.equal(problems(good), []);
  assert.equal(problems('[design](../../shared/DESIGN.md)'), ['../../shared/DESIGN.md points outside the repository']);
  assert.equal(problems('[gone](agent-gone.md)'), ['agent-gone.md does not resolve to a file or folder']);
  assert.equal(problems('[here](#nowhere)'), ['#nowhere has no heading for #nowhere']);
  assert.equal(problems('[spec](https://github.com/container-storage-interface/spec)'), [
    'https://github.com/container-storage-interface/spec links outside the repository',
  ]);
  assert.equal(problems('read `src/agent/api/loader.ts`'), ['src/agent/api/loader.ts names a repository path that does not exist']);
  assert.equal(problems('```\nsrc/nowhere/     gone\n```'), ['src/nowhere/ names a repository path that does not exist']);
  assert.equal(problems('`src/csi/{server,gone}.ts`'), ['src/csi/{server,gone}.ts names a repository path that does not exist']);
  assert.equal(problems('[abs](/docs/agent.md)'), ['/docs/agent.md is absolute; link relative to the document']);
});

test.run();
