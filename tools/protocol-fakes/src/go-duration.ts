const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration string ("10s", "1m30s", "250ms") into milliseconds; throws Go's error text when malformed. */
export function parseGoDuration(text: string): number {
  const invalid = new Error(`time: invalid duration "${text}"`);
  if (text === "0") return 0;
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "") throw invalid;
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) throw invalid;
    const [whole, value, unit] = match as unknown as [string, string, string];
    total += Number(value) * (unitMs[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  if (!Number.isFinite(total)) throw invalid;
  return sign * total;
}

/** Formats milliseconds the way Go's time.Duration.String() does for the values a fake needs ("10s", "1m0s", "500ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1_000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1_000;
  const s = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${minutes}m${s}`;
  return s;
}
