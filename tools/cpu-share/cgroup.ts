/**
 * A CPU limit like the one Lambda sets for a memory size: a cgroup whose CFS quota is that share
 * of one CPU per 100 ms period. Lambda gives a function CPU in proportion to its memory, one
 * vCPU at 1,769 MB, so 128 MB gets about 7.2 % of one. cgroup v1's cpu controller
 * (/sys/fs/cgroup/cpu) or v2 (cpu.max) is used, whichever is mounted writable; the group is given
 * a large cpu.shares (weight), so on a busy machine the quota, not the neighbours, is what limits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Lambda's CPU share for a memory size: one vCPU at 1,769 MB. */
export function lambdaCpuShare(memoryMb: number): number {
  return memoryMb / 1769;
}

const PERIOD_US = 100_000;

/** Where cgroups with a cpu controller can be made here, and which version they are. */
function cpuRoot(): { dir: string; version: 1 | 2 } | undefined {
  const v1 = '/sys/fs/cgroup/cpu';
  if (fs.existsSync(path.join(v1, 'cpu.cfs_quota_us'))) return { dir: v1, version: 1 };
  for (const v2 of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const controllers = path.join(v2, 'cgroup.subtree_control');
    if (fs.existsSync(controllers) && fs.readFileSync(controllers, 'utf8').includes('cpu')) {
      return { dir: v2, version: 2 };
    }
  }
  return undefined;
}

/** One cgroup with a CPU quota; processes join it by writing their pid to `procs`. */
export class CpuLimit {
  private static readonly created = new Set<CpuLimit>();

  /** Removes every group still there: on exit, after their processes are killed. */
  static removeAll(): void {
    for (const limit of CpuLimit.created) limit.remove();
  }

  /** The file a process writes its pid to, to join. */
  readonly procs: string;

  private constructor(
    readonly dir: string,
    readonly share: number | undefined,
  ) {
    this.procs = path.join(dir, 'cgroup.procs');
  }

  /**
   * A new cgroup limited to `share` of one CPU (undefined: no limit, for the baseline).
   * @throws when no writable cpu controller is mounted (run as root).
   */
  static create(name: string, share: number | undefined): CpuLimit {
    const root = cpuRoot();
    if (!root) {
      throw new Error(
        'no writable cgroup cpu controller (/sys/fs/cgroup/cpu or cgroup v2 with cpu); run as root on Linux',
      );
    }
    const dir = path.join(root.dir, name);
    fs.mkdirSync(dir);
    const quota = share === undefined ? undefined : Math.round(share * PERIOD_US);
    if (root.version === 1) {
      fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota ?? -1));
      fs.writeFileSync(path.join(dir, 'cpu.shares'), '262144');
    } else {
      fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota ?? 'max'} ${PERIOD_US}`);
      fs.writeFileSync(path.join(dir, 'cpu.weight'), '10000');
    }
    const limit = new CpuLimit(dir, share);
    CpuLimit.created.add(limit);
    return limit;
  }

  /** How many periods the quota throttled the group in, of how many it ran in. */
  throttled(): { periods: number; throttled: number } {
    const stat = path.join(this.dir, 'cpu.stat');
    const text = fs.existsSync(stat) ? fs.readFileSync(stat, 'utf8') : '';
    const field = (name: string) =>
      Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { periods: field('nr_periods'), throttled: field('nr_throttled') };
  }

  /** Removes the group; its processes must have exited. */
  remove(): void {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        fs.rmdirSync(this.dir);
        CpuLimit.created.delete(this);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          CpuLimit.created.delete(this);
          return;
        }
        // EBUSY while the last process is still being reaped.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
}
