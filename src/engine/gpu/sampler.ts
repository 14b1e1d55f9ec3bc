// Samples utilisation and memory of the GPUs a stage holds while it runs (nvidia-smi every interval)
// and keeps the peaks. Samples that fail are skipped: peaks are then null, never guessed.
import { detectGpus, type Gpu } from './nvidiaSmi';

interface GpuPeaks {
  peakUtilizationPercent: number | null;
  peakMemoryMiB: number | null;
}

export class GpuSampler {
  private timer: NodeJS.Timeout | undefined;
  private peaks: GpuPeaks = { peakUtilizationPercent: null, peakMemoryMiB: null };
  private inFlight = false;

  constructor(
    private readonly devices: number[],
    private readonly query: () => Promise<{ ok: boolean; value?: Gpu[] }> = () => detectGpus(),
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (this.devices.length === 0) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const result = await this.query();
      if (!result.ok || !result.value) return;
      for (const gpu of result.value) {
        if (!this.devices.includes(gpu.index)) continue;
        if (gpu.utilizationPercent !== null) this.peaks.peakUtilizationPercent = Math.max(this.peaks.peakUtilizationPercent ?? 0, gpu.utilizationPercent);
        if (gpu.memoryUsedMiB !== null) this.peaks.peakMemoryMiB = Math.max(this.peaks.peakMemoryMiB ?? 0, gpu.memoryUsedMiB);
      }
    } finally {
      this.inFlight = false;
    }
  }

  async stop(): Promise<GpuPeaks> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.devices.length > 0) await this.sample();
    return this.peaks;
  }
}
