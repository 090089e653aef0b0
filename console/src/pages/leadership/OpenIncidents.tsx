import { useTranslate } from "@refinedev/core";
import type { HTMLAttributes } from "react";
import { Card, Col, Row, Statistic, Table, Tag, Typography } from "antd";
import { formatBeijingTime } from "../../time";
import { DeadlineTag, useNow } from "../incidents/DeadlineTag";
import type { Incident } from "../incidents/incidentApi";
import { GRADE_COLOR, GRADES, type Grade, STATE_COLOR } from "../incidents/incidentModel";

/**
 * Open incidents: how many per grade (I–IV), and the list with its respond-by and fix-by countdowns,
 * ticking every second and red once a deadline is passed.
 */
export function OpenIncidents({
  list,
  total,
  byGrade,
}: {
  list: Incident[];
  total: number;
  byGrade: Record<Grade, number>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`leadership.incidents.${key}`, values);
  const now = useNow(1000);
  return (
    <>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        {GRADES.map((grade) => (
          <Col key={grade} xs={12} md={6}>
            <Card size="small" data-testid={`incident-count-${grade}`} data-count={byGrade[grade]}>
              <Statistic
                title={<Tag color={GRADE_COLOR[grade]}>{translate(`incidents.grades.${grade}`)}</Tag>}
                value={byGrade[grade]}
                valueStyle={byGrade[grade] > 0 && (grade === "I" || grade === "II") ? { color: "#f5222d" } : undefined}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Table<Incident>
        rowKey="id"
        size="small"
        dataSource={list}
        pagination={false}
        data-testid="open-incidents"
        locale={{ emptyText: t("none") }}
        onRow={(row) => ({ "data-testid": `open-incident-${row.number}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t("number"), dataIndex: "number", width: 130 },
          {
            title: t("grade"),
            dataIndex: "grade",
            width: 110,
            render: (g: Grade) => <Tag color={GRADE_COLOR[g]}>{translate(`incidents.grades.${g}`)}</Tag>,
          },
          { title: t("subject"), dataIndex: "title", ellipsis: true },
          {
            title: t("state"),
            dataIndex: "state",
            width: 90,
            render: (s: Incident["state"]) => <Tag color={STATE_COLOR[s]}>{translate(`incidents.states.${s}`)}</Tag>,
          },
          { title: t("openedAt"), dataIndex: "openedAt", width: 170, render: (v: string) => formatBeijingTime(v) },
          {
            title: t("respondBy"),
            width: 150,
            render: (_: unknown, row) => (
              <DeadlineTag
                deadline={row.respondBy}
                doneAt={row.acknowledgedAt}
                breach={row.respond}
                now={now}
                testId={`respond-${row.number}`}
              />
            ),
          },
          {
            title: t("fixBy"),
            width: 150,
            render: (_: unknown, row) => (
              <DeadlineTag
                deadline={row.fixBy}
                doneAt={row.resolvedAt}
                breach={row.fix}
                now={now}
                testId={`fix-${row.number}`}
              />
            ),
          },
        ]}
      />
      {total > list.length && (
        <Typography.Text type="secondary" style={{ display: "block", marginTop: 8 }}>
          {t("more", { shown: list.length, total })}
        </Typography.Text>
      )}
    </>
  );
}
