import { useTranslate } from "@refinedev/core";
import { Card, Col, Empty, Progress, Row, Space, Statistic, Tag, Typography } from "antd";
import type { AppSla } from "./leadershipApi";
import { budgetShareText, cardLevel, formatPercent, LEVEL_COLOR } from "./leadershipModel";

/** Budget minutes to one decimal: a month's budget at 99.9 % is about 43 minutes. */
const minutes = (m: number) => Math.round(m * 10) / 10;

/** This month's availability per app against its target, with the error budget left; coloured by level. */
export function SlaCards({ apps }: { apps: AppSla[] }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`leadership.cards.${key}`, values);
  if (apps.length === 0) return <Empty description={t("none")} data-testid="sla-cards-empty" />;
  return (
    <Row gutter={[16, 16]} data-testid="sla-cards">
      {apps.map((a) => {
        const level = cardLevel(a);
        const color = LEVEL_COLOR[level];
        const share = a.budgetRemainingRatio;
        return (
          <Col key={a.app.id} xs={24} sm={12} lg={8} xl={6}>
            <Card
              size="small"
              data-testid={`sla-card-${a.app.id}`}
              data-level={level}
              style={{ borderTop: `4px solid ${color}` }}
              title={
                <Space size={4}>
                  <Typography.Text strong ellipsis style={{ maxWidth: 180 }}>
                    {a.app.name}
                  </Typography.Text>
                  {a.app.kind === "platform" && <Tag>{t("platform")}</Tag>}
                </Space>
              }
              extra={<Tag color={level === "grey" ? "default" : level}>{t(`level.${level}`)}</Tag>}
            >
              <Statistic
                title={t("availability")}
                value={formatPercent(a.availability)}
                valueStyle={{ color: level === "grey" ? undefined : color, fontSize: 26 }}
              />
              <Typography.Text type="secondary">{t("target", { target: formatPercent(a.target, 2) })}</Typography.Text>
              <div style={{ marginTop: 8 }}>
                <Typography.Text>{t("budget")}</Typography.Text>
                <Progress
                  percent={share === null ? 0 : Math.max(0, Math.min(100, Math.round(share * 100)))}
                  strokeColor={color}
                  size="small"
                  format={() => budgetShareText(share) ?? t("overspent")}
                />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {a.budgetRemainingMinutes >= 0
                    ? t("budgetMinutes", {
                        left: minutes(a.budgetRemainingMinutes),
                        total: minutes(a.errorBudgetMinutes),
                      })
                    : t("overspentMinutes", {
                        over: minutes(-a.budgetRemainingMinutes),
                        total: minutes(a.errorBudgetMinutes),
                      })}
                </Typography.Text>
              </div>
            </Card>
          </Col>
        );
      })}
    </Row>
  );
}
