/** One bar group in a chart: a label and one value per series. */
export interface ChartRow {
  readonly label: string;
  readonly values: readonly number[];
  /** Marks rows measured elsewhere (published figures), drawn hatched. */
  readonly external?: boolean;
}

export interface ChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly string[];
  readonly rows: readonly ChartRow[];
  /** Log scale is needed when local (ms) and cloud (s) figures share a chart. */
  readonly logScale?: boolean;
  readonly note?: string;
}

const COLORS = ["#2563eb", "#f59e0b", "#10b981", "#ef4444"];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Renders a horizontal grouped bar chart as a standalone SVG document (no fonts or scripts
 * loaded from anywhere, so it renders the same on GitHub and offline).
 */
export function renderBarChart(spec: ChartSpec): string {
  const labelWidth = 260;
  const plotWidth = 560;
  const barHeight = 12;
  const groupGap = 10;
  const top = 56;
  const groupHeight = spec.series.length * barHeight + groupGap;
  const height = top + spec.rows.length * groupHeight + 48;
  const width = labelWidth + plotWidth + 110;
  const all = spec.rows.flatMap((row) => row.values).filter((value) => Number.isFinite(value) && value > 0);
  const max = Math.max(...all, 1);
  const min = Math.min(...all, max);
  const logMin = Math.log10(Math.max(min / 2, 1e-3));
  const logMax = Math.log10(max * 1.2);
  const scale = (value: number) => {
    if (!(value > 0)) return 0;
    if (!spec.logScale) return (value / (max * 1.1)) * plotWidth;
    return ((Math.log10(value) - logMin) / (logMax - logMin)) * plotWidth;
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  spec.series.forEach((name, index) => {
    const x = labelWidth + index * 110;
    parts.push(`<rect x="${x}" y="32" width="10" height="10" fill="${COLORS[index % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="41">${escapeXml(name)}</text>`);
  });
  spec.rows.forEach((row, rowIndex) => {
    const y0 = top + rowIndex * groupHeight;
    parts.push(
      `<text x="${labelWidth - 8}" y="${y0 + (spec.series.length * barHeight) / 2 + 4}" text-anchor="end">${escapeXml(row.label)}</text>`,
    );
    row.values.forEach((value, index) => {
      const y = y0 + index * barHeight;
      const barWidth = Math.max(1, scale(value));
      const color = COLORS[index % COLORS.length];
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight - 2}" fill="${color}"/>`,
      );
      if (row.external) {
        parts.push(
          `<rect x="${labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight - 2}" fill="url(#hatch)" opacity="0.35"/>`,
        );
      }
      const text = Number.isFinite(value) ? `${formatValue(value)} ${spec.unit}` : "n/a";
      parts.push(
        `<text x="${labelWidth + barWidth + 4}" y="${y + barHeight - 3}" font-size="10">${escapeXml(text)}</text>`,
      );
    });
  });
  const footer = [spec.logScale ? "log scale" : "linear scale", spec.note].filter(Boolean).join(" · ");
  parts.push(`<text x="12" y="${height - 14}" font-size="10" fill="#555">${escapeXml(footer)}</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function formatValue(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
