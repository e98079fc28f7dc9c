/**
 * Runs one job per key at a time and coalesces requests: a request that
 * arrives while the key's job runs makes it run once more afterwards, with
 * whatever state is current then. A burst of keystrokes thus costs at most
 * two analyses, and the last one always reads the latest text.
 */
export class CoalescingScheduler {
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly job: (key: string) => Promise<void>;
  private readonly onError: (key: string, error: unknown) => void;

  constructor(
    job: (key: string) => Promise<void>,
    onError: (key: string, error: unknown) => void,
  ) {
    this.job = job;
    this.onError = onError;
  }

  /** Requests a run of the job for `key`. */
  request(key: string): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.running.add(key);
    void this.drain(key);
  }

  private async drain(key: string): Promise<void> {
    do {
      this.again.delete(key);
      try {
        await this.job(key);
      } catch (error) {
        this.onError(key, error);
      }
    } while (this.again.has(key));
    this.running.delete(key);
  }
}
