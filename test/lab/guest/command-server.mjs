// The lab VM's command server: the one long-lived process through which tests run commands in
// the VM (test/lab/vm-commands.ts is its client). Plain JavaScript run by node alone, because it
// starts first in every boot and a TypeScript loader costs seconds under software emulation.
//
// Protocol, one request per TCP connection, sent as one JSON line:
// - {"script": "...", "timeoutMs": N}: runs `/bin/sh -c script` in its own process group and
//   answers one JSON line {"code": N|null, "signal": S|null, "timedOut": bool, "stdout", "stderr"}.
//   A script that leaves a process running in the background must redirect its output, or the
//   answer waits for that process to close the pipes.
// - {"connect": "/path"}: the connection becomes a byte stream to that unix socket in the VM
//   (how the host reaches the agent's CSI node socket).
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const port = Number(process.argv[2]);
const MAX_OUTPUT = 4 * 1024 * 1024;

function runScript(script, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    for (const name of ['stdout', 'stderr']) {
      child[name].setEncoding('utf8');
      child[name].on('data', (s) => {
        if (out[name].length < MAX_OUTPUT) out[name] += s;
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, stdout: '', stderr: String(err) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, ...out });
    });
  });
}

function pipeTo(socket, unixPath, early) {
  const target = connect(unixPath);
  if (early.length) target.write(early);
  socket.pipe(target).pipe(socket);
  const close = () => {
    socket.destroy();
    target.destroy();
  };
  socket.on('error', close);
  target.on('error', close);
  socket.on('close', close);
  target.on('close', close);
}

createServer((socket) => {
  // Buffers, not strings: after a connect request the bytes that follow are binary.
  let buffered = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', async (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf(0x0a);
    if (end < 0) return;
    socket.removeAllListeners('data');
    let reply;
    try {
      const { script, timeoutMs, connect: unixPath } = JSON.parse(buffered.subarray(0, end).toString('utf8'));
      if (unixPath) {
        pipeTo(socket, String(unixPath), buffered.subarray(end + 1));
        return;
      }
      reply = await runScript(String(script), Number(timeoutMs) || 60_000);
    } catch (err) {
      reply = { code: null, signal: null, timedOut: false, stdout: '', stderr: `bad request: ${err}` };
    }
    socket.end(`${JSON.stringify(reply)}\n`);
  });
}).listen(port, '0.0.0.0', () => console.log(`command server listening on ${port}`));
