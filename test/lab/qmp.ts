// A QEMU Machine Protocol client over the VM's unix socket: capabilities negotiation, commands
// with a deadline, and waiting for events (DEVICE_DELETED after an unplug the guest has accepted).
import { connect, type Socket } from 'node:net';

interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class Qmp {
  private buffered = '';
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly events: QmpEvent[] = [];
  private readonly eventWaiters = new Set<() => void>();
  private closedError?: Error;

  private constructor(
    private readonly socket: Socket,
    private readonly label: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error(`${label}: QMP connection closed`)));
  }

  /** Connects (retrying while qemu creates the socket) and leaves capabilities negotiation mode. */
  static async connect(socketPath: string, label: string, timeoutMs = 30_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const socket = await new Promise<Socket | Error>((resolve) => {
        const s = connect(socketPath);
        s.once('connect', () => resolve(s));
        s.once('error', (err) => resolve(err));
      });
      if (!(socket instanceof Error)) {
        const qmp = new Qmp(socket, label);
        await qmp.execute('qmp_capabilities');
        return qmp;
      }
      if (Date.now() > deadline) throw new Error(`${label}: no QMP socket at ${socketPath} after ${timeoutMs} ms: ${socket.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs one command; rejects with QEMU's error description. */
  execute(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: QMP ${command} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(new Error(`${this.label}: QMP ${command} ${JSON.stringify(args ?? {})}: ${e.message}`));
        },
      });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  /** Waits for an event matching `match` (also one that arrived since the last wait); bounded. */
  async waitEvent(name: string, match: (data: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.events.findIndex((e) => e.event === name && match(e.data ?? {}));
      if (at >= 0) {
        this.events.splice(at, 1);
        return;
      }
      if (this.closedError) throw this.closedError;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no QMP event ${name} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.eventWaiters.add(done);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end).trim();
      this.buffered = this.buffered.slice(end + 1);
      if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if (typeof msg.event === 'string') {
      this.events.push(msg as unknown as QmpEvent);
      for (const wake of [...this.eventWaiters]) wake();
      this.eventWaiters.clear();
      return;
    }
    const waiter = typeof msg.id === 'string' ? this.pending.get(msg.id) : undefined;
    if (!waiter) return;
    this.pending.delete(msg.id as string);
    if ('error' in msg) waiter.reject(new Error((msg.error as { desc?: string }).desc ?? JSON.stringify(msg.error)));
    else waiter.resolve(msg.return);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const wake of [...this.eventWaiters]) wake();
    this.eventWaiters.clear();
  }
}
