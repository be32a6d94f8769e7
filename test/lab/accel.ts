// Which accelerator the lab's qemu uses: KVM where a guest really boots under it, else TCG
// (software emulation). /dev/kvm can exist and still hang a guest before its kernel starts
// (seen on the reference machine), so the probe boots the lab kernel once under KVM with a short bound and looks for
// its first console line. The answer is kept per host boot in the lab directory.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Accel = 'kvm' | 'tcg';

const PROBE_MS = 15_000;

/** qemu arguments every lab boot shares, the probe's included: one CPU, no devices, no display, the console on stdio. */
export function qemuBootArgs(accel: Accel, memoryMiB: number, vmlinuz: string): string[] {
  return [
    '-accel',
    accel,
    '-m',
    String(memoryMiB),
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-kernel',
    vmlinuz,
  ];
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

function kernelStartsUnderKvm(vmlinuz: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('qemu-system-x86_64', [...qemuBootArgs('kvm', 256, vmlinuz), '-append', 'console=ttyS0 panic=-1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let seen = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_MS);
    child.stdout.on('data', (b: Buffer) => {
      if (!seen && b.toString().includes('Linux version')) {
        seen = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(seen);
    });
  });
}

/** 'kvm' when a guest kernel starts under KVM on this host (probed once per host boot), else 'tcg'. */
export async function chooseAccel(labDir: string, vmlinuz: string): Promise<Accel> {
  const record = path.join(labDir, 'accel');
  const boot = bootId();
  if (existsSync(record)) {
    const [recordedBoot, accel] = readFileSync(record, 'utf8').trim().split(' ');
    if (recordedBoot === boot && (accel === 'kvm' || accel === 'tcg')) return accel;
  }
  const accel: Accel = existsSync('/dev/kvm') && (await kernelStartsUnderKvm(vmlinuz)) ? 'kvm' : 'tcg';
  writeFileSync(record, `${boot} ${accel}\n`);
  return accel;
}
