/**
 * Server-rendered SVG charts: no script, no CDN, readable on a phone (they scale to the width). Every
 * mark has a <title> with its numbers (shown on hover or long-press), and every chart has its data
 * as a table below it, for screen readers and for copying.
 */
import type { Child } from "hono/jsx";

export interface Series {
  name: string;
  values: (number | null)[];
}

const COLORS = ["#2455c3", "#e07b00", "#1b7f3b", "#b3261e", "#7b3fc4", "#0b8a9a", "#8a6d00", "#5d6878"];
export const colorOf = (index: number) => COLORS[index % COLORS.length]!;

const WIDTH = 720;
const HEIGHT = 240;
const LEFT = 44;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 28;

const format = (value: number | null, unit = "") =>
  value === null ? "–" : `${value.toLocaleString("en-US", { maximumFractionDigits: 3 })}${unit}`;

/** A rounded top for the axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value)!;
}

function Axes(props: { max: number; labels: string[]; unit?: string }) {
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const every = Math.max(1, Math.ceil(props.labels.length / 8));
  const step = (WIDTH - LEFT - RIGHT) / Math.max(1, props.labels.length);
  return (
    <g class="axes">
      {[0, 0.5, 1].map((fraction) => {
        const y = TOP + plotHeight * (1 - fraction);
        return (
          <>
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={y} y2={y} stroke="#d9dee6" />
            <text x={LEFT - 4} y={y + 4} text-anchor="end" font-size="11" fill="#5d6878">
              {format(props.max * fraction)}
            </text>
          </>
        );
      })}
      {props.labels.map((label, index) =>
        index % every === 0 ? (
          <text
            x={LEFT + step * (index + 0.5)}
            y={HEIGHT - 8}
            text-anchor="middle"
            font-size="11"
            fill="#5d6878"
          >
            {label.length === 10 ? label.slice(5) : label}
          </text>
        ) : null,
      )}
    </g>
  );
}

function Legend(props: { series: Series[] }) {
  return (
    <p class="legend">
      {props.series.map((series, index) => (
        <span>
          {/* An SVG swatch: the admin CSP allows no inline styles. */}
          <svg width="12" height="12" aria-hidden="true">
            <rect width="12" height="12" rx="2" fill={colorOf(index)} />
          </svg>{" "}
          {series.name}
        </span>
      ))}
    </p>
  );
}

/** The chart's numbers as a table (folded under the chart). */
export function DataTable(props: { labelHeader: string; labels: string[]; series: Series[]; unit?: string }) {
  return (
    <details class="chart-data">
      <summary>Table</summary>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>{props.labelHeader}</th>
              {props.series.map((series) => (
                <th class="num">{series.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.labels.map((label, index) => (
              <tr>
                <td class="nowrap">{label}</td>
                {props.series.map((series) => (
                  <td class="num">{format(series.values[index] ?? null, props.unit)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function ChartFigure(props: { id: string; title: string; note?: string; children?: Child }) {
  return (
    <figure class="chart card" id={props.id}>
      <figcaption>
        <strong>{props.title}</strong> {props.note && <span class="muted">{props.note}</span>}
      </figcaption>
      {props.children}
    </figure>
  );
}

/** The chart's drawing area: full width, stretched to the figure, read as one image. */
function PlotSvg(props: { title: string; height: number; children?: Child }) {
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${props.height}`}
      class="plot"
      role="img"
      aria-label={props.title}
      preserveAspectRatio="none"
    >
      {props.children}
    </svg>
  );
}

/** A chart of series over labels: its axes, the marks drawn by `children`, a legend and the data table. */
function SeriesPlot(props: {
  id: string;
  title: string;
  note?: string;
  labels: string[];
  series: Series[];
  unit?: string;
  labelHeader?: string;
  max: number;
  children?: Child;
}) {
  const { labels, series } = props;
  return (
    <ChartFigure id={props.id} title={props.title} note={props.note}>
      <PlotSvg title={props.title} height={HEIGHT}>
        <Axes max={props.max} labels={labels} unit={props.unit} />
        {props.children}
      </PlotSvg>
      {series.length > 1 && <Legend series={series} />}
      <DataTable labelHeader={props.labelHeader ?? "Day"} labels={labels} series={series} unit={props.unit} />
    </ChartFigure>
  );
}

/** Bars per label; several series side by side, or stacked. */
export function BarChart(props: {
  id: string;
  title: string;
  note?: string;
  labels: string[];
  series: Series[];
  stacked?: boolean;
  unit?: string;
  labelHeader?: string;
}) {
  const { labels, series } = props;
  const totals = labels.map((_, index) =>
    props.stacked
      ? series.reduce((sum, item) => sum + (item.values[index] ?? 0), 0)
      : Math.max(0, ...series.map((item) => item.values[index] ?? 0)),
  );
  const max = niceMax(Math.max(0, ...totals));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = (WIDTH - LEFT - RIGHT) / Math.max(1, labels.length);
  const barWidth = props.stacked ? step * 0.7 : (step * 0.8) / Math.max(1, series.length);
  return (
    <SeriesPlot {...props} max={max}>
      {labels.map((label, index) => {
        let base = 0;
        return series.map((item, seriesIndex) => {
          const value = item.values[index] ?? 0;
          const height = (value / max) * plotHeight;
          const x = props.stacked
            ? LEFT + step * index + step * 0.15
            : LEFT + step * index + step * 0.1 + barWidth * seriesIndex;
          const y = TOP + plotHeight - height - (props.stacked ? (base / max) * plotHeight : 0);
          if (props.stacked) base += value;
          if (value === 0) return null;
          return (
            <rect x={x} y={y} width={barWidth} height={height} fill={colorOf(seriesIndex)} data-value={value}>
              <title>{`${label} · ${item.name}: ${format(value, props.unit)}`}</title>
            </rect>
          );
        });
      })}
    </SeriesPlot>
  );
}

/** Lines per series over the labels; a missing value breaks the line. */
export function LineChart(props: {
  id: string;
  title: string;
  note?: string;
  labels: string[];
  series: Series[];
  unit?: string;
  max?: number;
  labelHeader?: string;
  /** Where each label links (a run's page, say). */
  links?: string[];
}) {
  const { labels, series } = props;
  const max =
    props.max ?? niceMax(Math.max(0, ...series.flatMap((item) => item.values.map((value) => value ?? 0))));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = (WIDTH - LEFT - RIGHT) / Math.max(1, labels.length);
  const xOf = (index: number) => LEFT + step * (index + 0.5);
  const yOf = (value: number) => TOP + plotHeight * (1 - value / max);
  return (
    <SeriesPlot {...props} max={max}>
      {series.map((item, seriesIndex) => {
        const path = item.values
          .map((value, index) =>
            value === null
              ? ""
              : `${index > 0 && item.values[index - 1] !== null ? "L" : "M"}${xOf(index)},${yOf(value)}`,
          )
          .join(" ");
        return (
          <g>
            <path d={path} fill="none" stroke={colorOf(seriesIndex)} stroke-width="2" />
            {item.values.map((value, index) =>
              value === null ? null : (
                <circle cx={xOf(index)} cy={yOf(value)} r="4" fill={colorOf(seriesIndex)} data-value={value}>
                  <title>{`${labels[index]} · ${item.name}: ${format(value, props.unit)}`}</title>
                </circle>
              ),
            )}
          </g>
        );
      })}
    </SeriesPlot>
  );
}

/** A grid of cells shaded by value (busiest hours of the week). */
export function Heatmap(props: {
  id: string;
  title: string;
  note?: string;
  rows: string[];
  columns: string[];
  values: number[][];
}) {
  const max = Math.max(1, ...props.values.flat());
  const cell = (WIDTH - LEFT) / props.columns.length;
  const rowHeight = 24;
  const height = rowHeight * props.rows.length + 20;
  return (
    <ChartFigure id={props.id} title={props.title} note={props.note}>
      <PlotSvg title={props.title} height={height}>
        {props.rows.map((row, rowIndex) => (
          <>
            <text x={LEFT - 4} y={rowIndex * rowHeight + 16} text-anchor="end" font-size="11" fill="#5d6878">
              {row}
            </text>
            {props.columns.map((column, columnIndex) => {
              const value = props.values[rowIndex]?.[columnIndex] ?? 0;
              return (
                <rect
                  x={LEFT + columnIndex * cell}
                  y={rowIndex * rowHeight}
                  width={cell - 1}
                  height={rowHeight - 1}
                  fill={value === 0 ? "#f0f2f5" : "#2455c3"}
                  fill-opacity={value === 0 ? 1 : 0.15 + 0.85 * (value / max)}
                  data-value={value}
                >
                  <title>{`${row} ${column}:00 · ${value} question${value === 1 ? "" : "s"}`}</title>
                </rect>
              );
            })}
          </>
        ))}
        {props.columns.map((column, columnIndex) =>
          columnIndex % 3 === 0 ? (
            <text
              x={LEFT + columnIndex * cell + cell / 2}
              y={height - 4}
              text-anchor="middle"
              font-size="11"
              fill="#5d6878"
            >
              {column}
            </text>
          ) : null,
        )}
      </PlotSvg>
      <DataTable
        labelHeader="Hour"
        labels={props.columns.map((column) => `${column}:00`)}
        series={props.rows.map((row, rowIndex) => ({ name: row, values: props.values[rowIndex] ?? [] }))}
      />
    </ChartFigure>
  );
}

export const CHART_CSS = `
a.button { display:inline-block; padding:.3rem .75rem; border-radius:5px; border:1px solid var(--accent); color:var(--accent); background:#fff; text-decoration:none; }
figure.chart { margin:0 0 1rem; }
figure.chart svg.plot { width:100%; height:auto; display:block; margin:.4rem 0; }
figure.chart svg.plot rect:hover, figure.chart svg.plot circle:hover { stroke:#1d2430; stroke-width:1.5; }
.legend { display:flex; flex-wrap:wrap; gap:.2rem .9rem; margin:.2rem 0; font-size:.85rem; }
.legend svg { vertical-align:-1px; }
details.chart-data { border:0; background:none; margin:0; }
details.chart-data > summary { font-weight:400; color:var(--muted); padding:.2rem 0; }
details.chart-data > div { margin:0; }
.figures { display:grid; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); gap:.5rem; margin:0 0 1rem; }
.figures div { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.5rem .75rem; }
.figures strong { display:block; font-size:1.4rem; }
.delta.better { color:var(--good); } .delta.worse { color:var(--bad); }
`;
