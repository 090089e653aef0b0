import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Card, Segmented, Table, Tag } from "antd";
import { useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import type { GradeStatsRow } from "./incidentApi";
import { incidentApi } from "./incidentApi";
import { formatMinutes, formatRate, GRADE_COLOR } from "./incidentModel";

const PERIODS = [7, 30, 90] as const;
const DAY = 86_400_000;

/** MTTA, MTTR and the on-time rates per grade over the incidents opened in the chosen period. */
export function IncidentStats() {
  const translate = useTranslate();
  const t = (key: string) => translate(`incidents.stats.${key}`);
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30);
  const stats = useQuery({
    queryKey: ["data", "incidents", "stats", days],
    queryFn: () => {
      // Whole minutes, so the key does not change on every render while the query is cached.
      const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
      return incidentApi.stats(new Date(to.getTime() - days * DAY), to);
    },
  });
  return (
    <Card
      title={t("title")}
      size="small"
      data-testid="incident-stats"
      extra={
        <Segmented
          size="small"
          value={days}
          onChange={(value) => setDays(value as (typeof PERIODS)[number])}
          options={PERIODS.map((d) => ({ value: d, label: t(`days${d}`) }))}
        />
      }
    >
      <ProblemAlert error={stats.error} testId="incident-stats-problem" />
      <Table<GradeStatsRow>
        size="small"
        rowKey="grade"
        pagination={false}
        loading={stats.isFetching}
        dataSource={stats.data ?? []}
        columns={[
          {
            title: t("grade"),
            dataIndex: "grade",
            render: (g: GradeStatsRow["grade"]) => (
              <Tag color={GRADE_COLOR[g]}>{translate(`incidents.gradesShort.${g}`)}</Tag>
            ),
          },
          { title: t("incidents"), dataIndex: "incidents", align: "right" },
          { title: t("mtta"), dataIndex: "mttaMinutes", align: "right", render: formatMinutes },
          { title: t("mttr"), dataIndex: "mttrMinutes", align: "right", render: formatMinutes },
          { title: t("respondOnTime"), dataIndex: "respondOnTime", align: "right", render: formatRate },
          { title: t("fixOnTime"), dataIndex: "fixOnTime", align: "right", render: formatRate },
        ]}
      />
    </Card>
  );
}
