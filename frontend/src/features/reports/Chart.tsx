// ECharts drawing of a chart report (SVG renderer: crisp, printable, and inspectable in tests).
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { heatmapCells, seriesByColumn, seriesByRow, waterfallFromAnswer } from './builders';
import type { ChartOptions, GridAnswer } from './types';

echarts.use([BarChart, LineChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

const GOOD = '#2e7d32';
const BAD = '#c62828';

export function chartOption(answer: GridAnswer, chart: ChartOptions): EChartsCoreOption {
  const base = { tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: 40, bottom: 40, containLabel: true } };
  if (chart.type === 'waterfall') {
    const bars = waterfallFromAnswer(answer, chart);
    return {
      ...base,
      xAxis: { type: 'category', data: bars.map((b) => b.label) },
      yAxis: { type: 'value' },
      series: [
        { name: 'base', type: 'bar', stack: 'bridge', silent: true, itemStyle: { color: 'transparent' }, data: bars.map((b) => b.base) },
        {
          name: 'Variance bridge',
          type: 'bar',
          stack: 'bridge',
          data: bars.map((b) => ({
            value: b.size,
            itemStyle: { color: b.kind === 'up' ? GOOD : b.kind === 'down' ? BAD : '#546e7a' },
          })),
          label: { show: true, position: 'top', formatter: (p: { dataIndex: number }) => format(bars[p.dataIndex]?.value ?? 0) },
        },
      ],
    };
  }
  if (chart.type === 'heatmap') {
    const { xs, ys, cells } = heatmapCells(answer);
    const extent = Math.max(1, ...cells.map((c) => Math.abs(c.value)));
    return {
      tooltip: { position: 'top' },
      grid: { left: 100, right: 20, top: 20, bottom: 70 },
      xAxis: { type: 'category', data: xs },
      yAxis: { type: 'category', data: ys },
      visualMap: { min: -extent, max: extent, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: [BAD, '#fafafa', GOOD] } },
      series: [{ name: 'Variance %', type: 'heatmap', data: cells.map((c) => [c.x, c.y, Math.round(c.value * 10) / 10]), label: { show: cells.length <= 60 } }],
    };
  }
  const data = chart.type === 'trend' ? seriesByRow(answer) : seriesByColumn(answer);
  return {
    ...base,
    legend: { top: 0 },
    xAxis: { type: 'category', data: data.categories },
    yAxis: { type: 'value' },
    series: data.series.map((s) => ({ name: s.name, type: chart.type === 'trend' ? 'line' : 'bar', data: s.data })),
  };
}

function format(value: number): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(value);
}

export function Chart({ answer, chart, label, height = 320 }: { answer: GridAnswer; chart: ChartOptions; label: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const instance = echarts.init(element, undefined, { renderer: 'svg' });
    instance.setOption(chartOption(answer, chart));
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
    };
  }, [answer, chart]);
  return <div ref={box} role="img" aria-label={label} data-chart={chart.type} style={{ width: '100%', height }} />;
}
