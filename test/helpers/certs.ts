// Test PKI made with the real openssl CLI: a CA, then serving and client certificates signed by it.
// Used for the API server's certificates and the agent's mutual TLS.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface CertRequest {
  readonly name: string;
  readonly commonName: string;
  /** Organisations (O=); for the API server this is the user's groups. */
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  /** URI names: Stratum's identities (stratum://operator, stratum://agent/<node>, …). */
  readonly uris?: readonly string[];
  readonly usage: 'server' | 'client' | 'both';
}

/** `openssl req` with a new unencrypted P-256 key written to `keyFile`; the caller adds what it makes of it. */
function newP256Key(keyFile: string): string[] {
  return ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
}

export class TestPki {
  readonly ca: CertFiles;

  private constructor(readonly dir: string) {
    this.ca = { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
  }

  /** Makes a new CA in `dir` (created if missing). */
  static async create(dir: string, caName = 'stratum-test-ca'): Promise<TestPki> {
    await mkdir(dir, { recursive: true });
    const pki = new TestPki(dir);
    await run('openssl', [
      ...newP256Key(pki.ca.key),
      '-x509',
      '-out',
      pki.ca.cert,
      '-days',
      '2',
      '-subj',
      `/CN=${caName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return pki;
  }

  /** The CA another `create` made in `dir` (e.g. the rig's), to issue more certificates from. */
  static open(dir: string): TestPki {
    const pki = new TestPki(dir);
    if (!existsSync(pki.ca.key)) throw new Error(`${dir}: no CA here (${pki.ca.key} is missing)`);
    return pki;
  }

  async issue(req: CertRequest): Promise<CertFiles> {
    const files = { cert: path.join(this.dir, `${req.name}.crt`), key: path.join(this.dir, `${req.name}.key`) };
    const csr = path.join(this.dir, `${req.name}.csr`);
    const ext = path.join(this.dir, `${req.name}.ext`);
    const subject = `/CN=${req.commonName}${(req.organizations ?? []).map((o) => `/O=${o}`).join('')}`;
    await run('openssl', [...newP256Key(files.key), '-new', '-out', csr, '-subj', subject]);
    const sans = [
      ...(req.dnsNames ?? []).map((d) => `DNS:${d}`),
      ...(req.ips ?? []).map((i) => `IP:${i}`),
      ...(req.uris ?? []).map((u) => `URI:${u}`),
    ];
    const usage = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[req.usage];
    await writeFile(
      ext,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usage}`,
        ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      this.ca.cert,
      '-CAkey',
      this.ca.key,
      // A random serial, not a serial file: certificates can be issued concurrently.
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-out',
      files.cert,
      '-days',
      '2',
      '-extfile',
      ext,
    ]);
    return files;
  }

  /** An RSA key pair, e.g. for service-account token signing. */
  async keyPair(name: string): Promise<{ privateKey: string; publicKey: string }> {
    const privateKey = path.join(this.dir, `${name}.key`);
    const publicKey = path.join(this.dir, `${name}.pub`);
    await run('openssl', ['genrsa', '-out', privateKey, '2048']);
    await run('openssl', ['rsa', '-in', privateKey, '-pubout', '-out', publicKey]);
    return { privateKey, publicKey };
  }
}

export async function readPem(file: string): Promise<Buffer> {
  return readFile(file);
}
