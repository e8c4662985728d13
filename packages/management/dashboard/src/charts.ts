import type UPlot from "uplot";
import type { NodeSnapshot, StatsSample } from "./types.js";

// uPlot is loaded by the page as a classic script (vendor/uplot.js) and used through its global.
declare const uPlot: typeof UPlot;

const palette = ["#2f7ed8", "#e4572e", "#17a398", "#f3a712", "#8e44ad", "#5d6d7e", "#c0392b", "#27ae60"];

/** A time-series chart of one number (messages/s or mailbox depth), one line per node, over the kept history. */
export class NodeChart {
  private plot: UPlot | undefined = undefined;
  private names: string[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly title: string,
    private readonly value: (s: StatsSample) => number,
  ) {}

  /** Redraws from the nodes' samples; the chart is rebuilt only when the set of nodes changes. */
  update(nodes: ReadonlyMap<string, NodeSnapshot>): void {
    const names = [...nodes.keys()].sort();
    const times = new Set<number>();
    for (const n of nodes.values()) for (const s of n.samples) times.add(Math.round(s.at / 1000));
    const xs = [...times].sort((a, b) => a - b);
    const series = names.map((name) => {
      const byTime = new Map((nodes.get(name) as NodeSnapshot).samples.map((s) => [Math.round(s.at / 1000), this.value(s)]));
      return xs.map((t) => byTime.get(t) ?? null);
    });
    const data = [xs, ...series] as UPlot.AlignedData;
    if (this.plot === undefined || names.join("|") !== this.names.join("|")) {
      this.plot?.destroy();
      this.names = names;
      this.plot = new uPlot(
        {
          title: this.title,
          width: Math.max(300, this.host.clientWidth - 8),
          height: 200,
          scales: { x: { time: true } },
          series: [
            {},
            ...names.map((name, i) => ({ label: name, stroke: palette[i % palette.length] as string, width: 2, spanGaps: false })),
          ],
          // Whole seconds at least: samples come once per sampling interval, sub-second ticks only clutter the axis.
          axes: [{ incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600] }, { size: 60 }],
          legend: { live: false },
        },
        data,
        this.host,
      );
    } else this.plot.setData(data);
  }

  /** Follows the container's width. */
  resize(): void {
    this.plot?.setSize({ width: Math.max(300, this.host.clientWidth - 8), height: 200 });
  }
}
