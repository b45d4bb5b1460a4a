/**
 * The CPU time this process spends on `work`, in milliseconds. A bound on how much work something takes
 * (linear screening, a budget that stops a runaway) is checked against this rather than the wall clock:
 * other processes on a shared machine stretch the wall clock many times over, not this.
 */
export async function cpuTimed<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}
