import { ExperimentOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Card, Col, DatePicker, Empty, Form, Input, Row, Select, Table, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { UserPicker } from "../../components/org/UserPicker";
import { CONTEXTS, type TestResult, type WatermarkContext, watermarkApi } from "./watermarkApi";
import { rankReason } from "./watermarkModel";

interface TesterValues {
  userId?: string;
  appId?: string;
  context?: WatermarkContext;
  at?: Dayjs | null;
}

/**
 * 谁会看到哪个水印: pick a viewer, an app and a context (and optionally a time); the server resolves with
 * the same rule the clients get (POST /watermarks/test) and says which policy wins, how the others rank
 * and why, and which policies do not apply and the first reason.
 */
export function WatermarkTester() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`watermarks.tester.${key}`, values);
  const [form] = Form.useForm<TesterValues>();
  const run = useMutation({
    mutationFn: (values: TesterValues) =>
      watermarkApi.test({
        userId: values.userId as string,
        appId: values.appId?.trim() || undefined,
        context: values.context,
        at: values.at ? values.at.toISOString() : undefined,
      }),
  });
  const result = run.data;

  return (
    <Card title={t("title")} data-testid="watermark-tester">
      <Row gutter={[24, 16]}>
        <Col xs={24} xl={8}>
          <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
          <Form<TesterValues> form={form} layout="vertical" onFinish={(values) => run.mutate(values)}>
            <Form.Item name="userId" label={t("user")} rules={[{ required: true, message: t("userRequired") }]}>
              <UserPicker placeholder={t("userPlaceholder")} testId="watermark-tester-user" />
            </Form.Item>
            <div style={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 12 }}>
              <Form.Item name="appId" label={t("app")}>
                <Input placeholder={t("anyApp")} data-testid="watermark-tester-app" />
              </Form.Item>
              <Form.Item name="context" label={t("context")}>
                <Select
                  allowClear
                  placeholder={t("anyContext")}
                  options={CONTEXTS.map((c) => ({ value: c, label: translate(`watermarks.contexts.${c}`) }))}
                  data-testid="watermark-tester-context"
                />
              </Form.Item>
            </div>
            <Form.Item name="at" label={t("at")}>
              <DatePicker showTime style={{ width: "100%" }} placeholder={t("now")} />
            </Form.Item>
            <Button
              type="primary"
              htmlType="submit"
              icon={<ExperimentOutlined />}
              loading={run.isPending}
              data-testid="watermark-tester-run"
            >
              {t("run")}
            </Button>
          </Form>
        </Col>
        <Col xs={24} xl={16}>
          <ProblemAlert error={run.error} testId="watermark-tester-problem" />
          {result ? <TestAnswer result={result} /> : !run.error && <Empty description={t("empty")} />}
        </Col>
      </Row>
    </Card>
  );
}

function TestAnswer({ result }: { result: TestResult }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`watermarks.tester.${key}`, values);
  return (
    <div data-testid="watermark-tester-result" data-chosen={result.chosen?.name ?? ""}>
      {result.chosen ? (
        <Alert
          type="success"
          showIcon
          message={t("chosen", { name: result.chosen.name, priority: result.chosen.priority })}
          description={
            <>
              {t("lines")}
              {result.lines.map((line, i) => (
                <div key={i}>
                  <Typography.Text code>{line}</Typography.Text>
                </div>
              ))}
            </>
          }
        />
      ) : (
        <Alert type="info" showIcon message={t("none")} />
      )}
      {result.candidates.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t("candidates")}
          </Typography.Title>
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={result.candidates}
            data-testid="watermark-tester-candidates"
            columns={[
              { title: "#", dataIndex: "rank", width: 40 },
              {
                title: t("policy"),
                dataIndex: "name",
                render: (name: string, row) => (
                  <>
                    {name} {row.rank === 1 && <Tag color="green">{t("winner")}</Tag>}
                  </>
                ),
              },
              { title: t("priority"), dataIndex: "priority", align: "right" },
              { title: t("dimensions"), dataIndex: "dimensions", align: "right" },
              { title: t("depth"), dataIndex: "depth", align: "right" },
              // The server's reason is English only: shown localised, with the original on hover.
              {
                title: t("why"),
                key: "why",
                render: (_, row, index) => {
                  const reason = rankReason(result.candidates[index - 1], row);
                  return (
                    <Typography.Text type={index === 0 ? undefined : "secondary"} title={row.reason}>
                      {translate(`watermarks.rankReasons.${reason.key}`, reason.values)}
                    </Typography.Text>
                  );
                },
              },
            ]}
          />
        </>
      )}
      {result.excluded.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t("excluded")}
          </Typography.Title>
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={result.excluded}
            data-testid="watermark-tester-excluded"
            columns={[
              { title: t("policy"), dataIndex: "name" },
              {
                title: t("why"),
                dataIndex: "reason",
                render: (reason: string) => <Tag>{translate(`watermarks.excludedReasons.${reason}`)}</Tag>,
              },
            ]}
          />
        </>
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
        {t("rule")}
      </Typography.Paragraph>
    </div>
  );
}
