import { ReloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Col, Row, Select, Skeleton, Space, Typography } from "antd";
import { useMemo, useState } from "react";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";
import { fetchDaily, fetchMonthSla, fetchOpenIncidents } from "./leadershipApi";
import { appTrend, pooledTrend } from "./leadershipModel";
import { OpenIncidents } from "./OpenIncidents";
import { SlaCards } from "./SlaCards";
import { SlaTrendChart } from "./SlaTrendChart";
import { UptimeBars } from "./UptimeBars";

// Figures are recomputed from stored transitions on each read: a minute is fresh enough for a wall screen.
const SLA_REFRESH_MS = 60_000;
const INCIDENT_REFRESH_MS = 15_000;
const DAYS = 90;
const ALL = "__all__";

/**
 * 领导看板 (leadership dashboard): read-only — the viewer role and the system administrator (read Sla and
 * Incident). Availability this month per app, 90 days of uptime bars, the SLA trend against the target, and
 * the open incidents by grade with their deadline countdowns.
 */
export function LeadershipPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`leadership.${key}`, values);
  const month = useQuery({
    queryKey: ["data", "leadership", "month"],
    queryFn: fetchMonthSla,
    refetchInterval: SLA_REFRESH_MS,
  });
  const daily = useQuery({
    queryKey: ["data", "leadership", "daily", DAYS],
    queryFn: () => fetchDaily(DAYS),
    refetchInterval: SLA_REFRESH_MS,
  });
  const incidents = useQuery({
    queryKey: ["data", "leadership", "incidents"],
    queryFn: fetchOpenIncidents,
    refetchInterval: INCIDENT_REFRESH_MS,
  });
  const [trendApp, setTrendApp] = useState<string>(ALL);
  const trend = useMemo(() => {
    const apps = daily.data ?? [];
    const one = apps.find((a) => a.app.id === trendApp);
    return one ? appTrend(one) : pooledTrend(apps);
  }, [daily.data, trendApp]);
  const updatedAt = Math.max(month.dataUpdatedAt, daily.dataUpdatedAt, incidents.dataUpdatedAt);
  const refresh = () => {
    void month.refetch();
    void daily.refetch();
    void incidents.refetch();
  };

  return (
    <PageContainer
      resource={resource}
      extra={
        <Space>
          {updatedAt > 0 && (
            <Typography.Text type="secondary" data-testid="leadership-updated">
              {t("updatedAt", { time: formatBeijingTime(new Date(updatedAt).toISOString()).slice(11) })}
            </Typography.Text>
          )}
          <Button icon={<ReloadOutlined />} onClick={refresh} data-testid="leadership-refresh">
            {t("refresh")}
          </Button>
        </Space>
      }
    >
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card
            title={t("cards.title")}
            extra={
              month.data && (
                <Typography.Text type="secondary">{t("cards.month", { count: month.data.total })}</Typography.Text>
              )
            }
          >
            <ProblemAlert error={month.error} testId="leadership-sla-problem" />
            {month.data ? <SlaCards apps={month.data.apps} /> : !month.error && <Skeleton active />}
          </Card>
        </Col>
        <Col span={24}>
          <Card
            title={t("incidents.title")}
            extra={
              incidents.data && (
                <span data-testid="open-total">{t("incidents.total", { total: incidents.data.total })}</span>
              )
            }
          >
            <ProblemAlert error={incidents.error} testId="leadership-incidents-problem" />
            {incidents.data ? <OpenIncidents {...incidents.data} /> : !incidents.error && <Skeleton active />}
          </Card>
        </Col>
        <Col span={24}>
          <Card title={t("bars.title", { days: DAYS })}>
            <ProblemAlert error={daily.error} testId="leadership-daily-problem" />
            {daily.data ? <UptimeBars apps={daily.data} /> : !daily.error && <Skeleton active />}
          </Card>
        </Col>
        <Col span={24}>
          <Card
            title={t("trend.title", { days: DAYS })}
            extra={
              <Select
                size="small"
                value={trendApp}
                onChange={setTrendApp}
                style={{ minWidth: 180 }}
                data-testid="trend-app"
                options={[
                  { value: ALL, label: t("trend.all") },
                  ...(daily.data ?? []).map((a) => ({ value: a.app.id, label: a.app.name })),
                ]}
              />
            }
          >
            {daily.data ? <SlaTrendChart points={trend} /> : !daily.error && <Skeleton active />}
          </Card>
        </Col>
      </Row>
    </PageContainer>
  );
}
