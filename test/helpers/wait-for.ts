/**
 * Resolves once `predicate` holds, looking every `intervalMs`; rejects after `timeoutMs` naming `what`.
 * For a condition tests cannot be told about; never wait a fixed time instead.
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, { timeoutMs = 10_000, intervalMs = 20, what = 'a condition' } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
