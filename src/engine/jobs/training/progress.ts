/**
 * What a training run reports (SPEC §2 "Training": per epoch, train loss and accuracy, test accuracy,
 * time): per-batch points and per-epoch points, sent through a `Coalescer` (at most one message per
 * interval), with the phase and a one-line message.
 */
import type {
  BatchPoint,
  EpochPoint,
  ExperimentProgress,
  ExperimentProgressSummary,
} from '../../protocol';
import { Coalescer } from '../../throttle';

export class TrainingProgress {
  /** Every finished epoch, in order (the result's `epochs`). */
  readonly epochs: EpochPoint[] = [];
  phase: ExperimentProgress['phase'] = 'warming-up';
  message = '';
  private imagesDone = 0;
  private pendingEpochs: EpochPoint[] = [];
  private readonly coalescer: Coalescer<BatchPoint, ExperimentProgressSummary>;
  // The current epoch's sums: loss·images, correct images, images.
  private lossSum = 0;
  private correctSum = 0;
  private seen = 0;

  constructor(
    onProgress: (progress: ExperimentProgress) => void,
    intervalMs: number,
    private readonly imagesTotal: number,
    private readonly startMs: number,
  ) {
    this.coalescer = new Coalescer((batchPoints, rest) => {
      onProgress({
        ...rest,
        batchPoints,
        epochPoints: this.pendingEpochs,
        runSummaries: [],
      sweepPoints: [],
        layerSnr: null,
        baselineAccuracy: null,
      });
      this.pendingEpochs = [];
    }, intervalMs);
  }

  /** Seconds since the run started. */
  elapsedSeconds(): number {
    return (performance.now() - this.startMs) / 1000;
  }

  startEpoch(message: string): void {
    this.message = message;
    this.lossSum = 0;
    this.correctSum = 0;
    this.seen = 0;
  }

  /** One trained mini-batch: its mean loss and how many of its `size` images it classified correctly. */
  batchDone(epoch: number, batch: number, size: number, loss: number, correct: number): void {
    this.lossSum += loss * size;
    this.correctSum += correct;
    this.seen += size;
    this.imagesDone += size;
    this.coalescer.push(
      {
        run: epoch,
        batch,
        imagesDone: this.seen,
        batchAccuracy: correct / size,
        runningAccuracy: this.correctSum / this.seen,
      },
      this.summary(),
    );
  }

  /** The epoch's point (1-based `epoch` in it): mean train loss and accuracy, and `testAccuracy`. */
  endEpoch(epoch: number, testAccuracy: number): void {
    const point: EpochPoint = {
      epoch: epoch + 1,
      trainLoss: this.lossSum / this.seen,
      trainAccuracy: this.correctSum / this.seen,
      testAccuracy,
      elapsedSeconds: this.elapsedSeconds(),
    };
    this.epochs.push(point);
    this.pendingEpochs.push(point);
    this.flush();
  }

  paused(): void {
    this.phase = 'paused';
    this.flush();
  }

  flush(): void {
    this.coalescer.flush(this.summary());
  }

  private summary(): ExperimentProgressSummary {
    return {
      kind: 'training',
      imagesDone: this.imagesDone,
      imagesTotal: this.imagesTotal,
      imagesPerSecond: this.imagesDone / Math.max(1e-3, this.elapsedSeconds()),
      phase: this.phase,
      message: this.message,
    };
  }
}
