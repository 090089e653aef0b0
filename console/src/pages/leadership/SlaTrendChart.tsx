import { useTranslate } from "@refinedev/core";
import { Empty, Typography, theme } from "antd";
import { formatPercent, linePath, type TrendPoint, yDomain } from "./leadershipModel";

// The full-width card is about 1000 px wide on a laptop: drawn at that size, the 12 px labels read as 12 px.
const WIDTH = 1000;
const HEIGHT = 260;
const LEFT = 60;
const BOTTOM = 26;
const TOP = 10;
const RIGHT = 14;
const FONT = 12;

/**
 * Daily availability (solid) against the target (dashed red), in plain SVG: the console has no chart
 * library and needs none for two lines. Each day with data has a dot whose tooltip gives its figure.
 */
export function SlaTrendChart({ points }: { points: TrendPoint[] }) {
  const translate = useTranslate();
  const { token } = theme.useToken();
  if (points.length === 0 || points.every((p) => p.availability === null)) {
    return <Empty description={translate("leadership.trend.none")} />;
  }
  const domain = yDomain(points);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const step = points.length > 1 ? plotW / (points.length - 1) : 0;
  const y = (v: number) => TOP + plotH - ((v - domain[0]) / (domain[1] - domain[0] || 1)) * plotH;
  const ticks = [0, 1, 2, 3, 4].map((i) => domain[0] + ((domain[1] - domain[0]) * i) / 4);
  const labelEvery = Math.max(1, Math.ceil(points.length / 9));
  const availability = linePath(
    points.map((p) => p.availability),
    domain,
    plotW,
    plotH,
  );
  const target = linePath(
    points.map((p) => p.target),
    domain,
    plotW,
    plotH,
  );
  return (
    <div data-testid="sla-trend">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={translate("leadership.trend.aria")}
        style={{ display: "block", maxHeight: 300 }}
      >
        {ticks.map((v) => (
          <g key={v}>
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(v)} y2={y(v)} stroke={token.colorBorderSecondary} />
            <text x={LEFT - 6} y={y(v) + 4} textAnchor="end" fontSize={FONT} fill={token.colorTextSecondary}>
              {`${(v * 100).toFixed(2)}%`}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          i % labelEvery === 0 || i === points.length - 1 ? (
            <text
              key={p.date}
              x={LEFT + i * step}
              y={HEIGHT - 8}
              textAnchor={i === 0 ? "start" : i === points.length - 1 ? "end" : "middle"}
              fontSize={FONT}
              fill={token.colorTextSecondary}
            >
              {p.date.slice(5)}
            </text>
          ) : null,
        )}
        <g transform={`translate(${LEFT},${TOP})`}>
          <path
            d={target}
            fill="none"
            stroke="#f5222d"
            strokeWidth={1.5}
            strokeDasharray="6 4"
            data-testid="trend-target"
          />
          <path d={availability} fill="none" stroke={token.colorPrimary} strokeWidth={2} data-testid="trend-line" />
          {points.map((p, i) =>
            p.availability === null ? null : (
              <circle
                key={p.date}
                cx={i * step}
                cy={y(p.availability) - TOP}
                r={points.length > 60 ? 2 : 3}
                fill={p.availability < p.target ? "#f5222d" : token.colorPrimary}
              >
                <title>{`${p.date}  ${formatPercent(p.availability, 3)}  (${translate("leadership.trend.target")} ${formatPercent(p.target, 2)})`}</title>
              </circle>
            ),
          )}
        </g>
      </svg>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        <span style={{ color: token.colorPrimary }}>━</span> {translate("leadership.trend.availability")}
        {"　"}
        <span style={{ color: "#f5222d" }}>┅</span> {translate("leadership.trend.target")}
      </Typography.Text>
    </div>
  );
}
