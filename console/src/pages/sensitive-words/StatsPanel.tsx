import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Card, Empty, Progress, Segmented, Space, Typography } from "antd";
import { useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import type { StatsGroup } from "./wordsApi";
import { wordsApi } from "./wordsApi";
import { barPercents, utcDay } from "./wordsModel";
import { STATS_KEY } from "./wordsQueries";

const GROUPS: StatsGroup[] = ["category", "word", "app", "day"];
const RANGES = [7, 30, 90] as const;

/**
 * 命中统计: hits of the message services (API clients; the test box is not counted) grouped by category,
 * word, app or day over the last 7, 30 or 90 UTC days. No chart library is in the project, so the chart is
 * a column of antd Progress bars, each scaled to the largest group (the top 20; days in date order).
 */
export function StatsPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.stats.${key}`, values);
  const [groupBy, setGroupBy] = useState<StatsGroup>("category");
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const now = new Date();
  const from = utcDay(now, days - 1);
  const to = utcDay(now);
  const stats = useQuery({
    queryKey: [...STATS_KEY, groupBy, from, to],
    queryFn: () => wordsApi.stats(groupBy, from, to),
  });
  const rows = stats.data?.rows ?? [];
  const percents = barPercents(rows);
  const label = (key: string) => {
    if (groupBy === "category") return translate(`words.categories.${key}`);
    if (groupBy === "app" && key === "") return t("noApp");
    return key;
  };

  return (
    <Card
      title={t("title")}
      data-testid="words-stats"
      extra={
        <Space wrap>
          <Segmented<StatsGroup>
            value={groupBy}
            onChange={setGroupBy}
            options={GROUPS.map((g) => ({ value: g, label: t(`group.${g}`) }))}
          />
          <Segmented<number>
            value={days}
            onChange={(value) => setDays(value as (typeof RANGES)[number])}
            options={RANGES.map((d) => ({ value: d, label: t("lastDays", { days: d }) }))}
          />
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t("intro", { from, to })}</Typography.Paragraph>
      <ProblemAlert error={stats.error} testId="words-stats-problem" />
      {rows.length === 0 ? (
        <Empty description={stats.isFetching ? translate("app.loading") : t("empty")} />
      ) : (
        <div style={{ display: "grid", gridTemplateColumns: "minmax(80px, 200px) 1fr", gap: "6px 12px" }}>
          {rows.map((row, i) => (
            <div key={row.key} style={{ display: "contents" }} data-testid="words-stats-row" data-key={row.key}>
              <Typography.Text ellipsis title={label(row.key)}>
                {label(row.key)}
              </Typography.Text>
              <Progress
                percent={percents[i]}
                format={() => t("hits", { hits: row.hits })}
                status="normal"
                size={["100%", 14]}
              />
            </div>
          ))}
        </div>
      )}
      {(stats.data?.total ?? 0) > rows.length && (
        <Typography.Text type="secondary">
          {t("more", { shown: rows.length, total: stats.data?.total })}
        </Typography.Text>
      )}
    </Card>
  );
}
