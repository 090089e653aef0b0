import { useTranslate } from "@refinedev/core";
import { Empty, Tooltip, Typography } from "antd";
import { type AppDaily, dayLevel, formatPercent, LEVEL_COLOR, periodAvailability } from "./leadershipModel";

/** One row per app, one bar per day (oldest left); grey where nothing was measured. */
export function UptimeBars({ apps }: { apps: AppDaily[] }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`leadership.bars.${key}`, values);
  if (apps.length === 0) return <Empty description={t("none")} />;
  return (
    <div data-testid="uptime-bars">
      {apps.map((app) => {
        const total = periodAvailability(app);
        return (
          <div
            key={app.app.id}
            data-testid={`uptime-row-${app.app.id}`}
            style={{ display: "flex", alignItems: "center", gap: 12, marginBottom: 10 }}
          >
            <div style={{ width: 140, flex: "none", minWidth: 0 }}>
              <Typography.Text ellipsis={{ tooltip: app.app.name }}>{app.app.name}</Typography.Text>
            </div>
            <div
              style={{
                display: "flex",
                gap: 1,
                flex: 1,
                minWidth: 0,
                height: 28,
                alignItems: "stretch",
                overflow: "hidden",
              }}
            >
              {app.days.map((d) => {
                const level = dayLevel(d.availability, app.target);
                return (
                  <Tooltip
                    key={d.date}
                    title={
                      <>
                        <div>{d.date}</div>
                        <div>
                          {d.availability === null
                            ? t("noData")
                            : t("day", { availability: formatPercent(d.availability, 3) })}
                        </div>
                        {d.downMinutes > 0 && <div>{t("down", { minutes: Math.round(d.downMinutes) })}</div>}
                      </>
                    }
                  >
                    <div
                      data-testid={`uptime-bar-${app.app.id}-${d.date}`}
                      data-level={level}
                      style={{ flex: 1, minWidth: 1, borderRadius: 1, background: LEVEL_COLOR[level] }}
                    />
                  </Tooltip>
                );
              })}
            </div>
            <div style={{ width: 72, flex: "none", textAlign: "right" }} data-testid={`uptime-total-${app.app.id}`}>
              <Typography.Text>{formatPercent(total)}</Typography.Text>
            </div>
          </div>
        );
      })}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t("legend", { days: apps[0]?.days.length ?? 0 })}
      </Typography.Text>
    </div>
  );
}
