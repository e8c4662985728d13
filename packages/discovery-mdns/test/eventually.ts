/** Polls `check` until it returns true, failing after `withinMs`; a bounded loop, so a broken provider fails instead of hanging. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
