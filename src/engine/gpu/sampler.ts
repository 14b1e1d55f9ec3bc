// One GPU monitor per runner: nvidia-smi every interval (one `--query-gpu` and, while a stage holds a
// GPU, one `--query-compute-apps`), however many stages run. Each stage on a GPU watches it and keeps
// its peaks: utilisation of the GPUs it holds (nvidia-smi reports utilisation per card only), and the
// memory of its own processes (the compute apps whose pid is in the stage's process tree), never the
// whole card's. The allocator reads the same samples to see GPUs another process keeps busy. Samples
// that fail are skipped: peaks are then null, never guessed.
import { detectGpus, queryComputeApps, type ComputeApp, type Gpu } from './nvidiaSmi';
import { processTreePids, type ProcessRoot } from './processTree';

export interface GpuPeaks {
  peakUtilizationPercent: number | null;
  peakMemoryMiB: number | null;
}

type Query<T> = () => Promise<{ ok: boolean; value?: T }>;

interface Watch {
  devices: number[];
  root: () => ProcessRoot | undefined;
  peaks: GpuPeaks;
}

export class GpuMonitor {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastSampleAt = -Infinity;
  private readonly watches = new Set<Watch>();
  private readonly listeners: ((gpus: Gpu[], at: number) => void)[] = [];

  constructor(
    private readonly queryGpus: Query<Gpu[]> = () => detectGpus(),
    private readonly queryApps: Query<ComputeApp[]> = () => queryComputeApps(),
    private readonly intervalMs = 1000,
    private readonly tree: (root: ProcessRoot) => Set<number> = (root) => processTreePids(root),
  ) {}

  /** Called with every successful `--query-gpu` sample and when it was taken (performance.now()). */
  onSample(listener: (gpus: Gpu[], at: number) => void): void {
    this.listeners.push(listener);
  }

  /** Samples every interval until stop(); the first sample at once. */
  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Keeps the peaks of a stage on `devices` until the returned stop(); `root` is its first process once it has one. */
  watch(devices: number[], root: () => ProcessRoot | undefined): { stop(): Promise<GpuPeaks> } {
    const w: Watch = { devices, root, peaks: { peakUtilizationPercent: null, peakMemoryMiB: null } };
    this.watches.add(w);
    this.start();
    // A stage shorter than the interval still gets a sample of its own.
    if (performance.now() - this.lastSampleAt > this.intervalMs / 2) void this.sample();
    return {
      stop: async () => {
        await this.inFlight;
        this.watches.delete(w);
        return w.peaks;
      },
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private sample(): Promise<void> {
    this.inFlight ??= this.takeSample().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async takeSample(): Promise<void> {
    const at = performance.now();
    this.lastSampleAt = at;
    const gpus = await this.queryGpus();
    if (gpus.ok && gpus.value) {
      for (const l of this.listeners) l(gpus.value, at);
      for (const w of this.watches) {
        for (const g of gpus.value) {
          if (w.devices.includes(g.index) && g.utilizationPercent !== null) w.peaks.peakUtilizationPercent = Math.max(w.peaks.peakUtilizationPercent ?? 0, g.utilizationPercent);
        }
      }
    }
    const watching = [...this.watches].filter((w) => w.root() !== undefined);
    if (watching.length === 0) return;
    const apps = await this.queryApps();
    if (!apps.ok || !apps.value || apps.value.length === 0) return;
    for (const w of watching) {
      const pids = this.tree(w.root()!);
      const mine = apps.value.filter((a) => pids.has(a.pid) && a.usedMemoryMiB !== null);
      if (mine.length === 0) continue;
      const used = mine.reduce((sum, a) => sum + a.usedMemoryMiB!, 0);
      w.peaks.peakMemoryMiB = Math.max(w.peaks.peakMemoryMiB ?? 0, used);
    }
  }
}
