import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Col, Divider, Form, Input, InputNumber, Row, Select, Space, Switch, Typography } from "antd";
import { FormDialog } from "../../components/FormDialog";
import { GRADES } from "../incidents/incidentModel";
import { channelRefs } from "../notification-channels/channelApi";
import { type AlertRule, type AlertRuleInput, alertApi } from "./alertApi";
import {
  ALERT_CATEGORIES,
  type AlertCategory,
  DEFAULT_BURN_WINDOWS,
  defaultParams,
  paramsForCategory,
  SEVERITIES,
  type Severity,
  SIGNAL_NAME,
  usesSelector,
} from "./alertModel";
import { useApps, useMonitorNames } from "./useRefs";

interface RuleValues {
  name: string;
  description: string;
  category: AlertCategory;
  severity: Severity;
  channelIds: string[];
  incidentGrade: AlertRuleInput["incidentGrade"] | "none";
  enabled: boolean;
  params: Record<string, unknown>;
}

/** Create or edit a warning rule: the parameter form follows the category; bounds are the server's. */
export function RuleEditor({
  editing,
  onClose,
  onSaved,
}: {
  editing: AlertRule | "new" | undefined;
  onClose: () => void;
  onSaved: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`alerts.rules.${key}`, values);
  const { message } = App.useApp();
  const [form] = Form.useForm<RuleValues>();
  const rule = editing === "new" ? undefined : editing;
  const category = (Form.useWatch("category", form) ?? rule?.category ?? "monitor_state") as AlertCategory;
  const names = useMonitorNames();
  const apps = useApps();
  const channels = useQuery({
    queryKey: ["data", "notification-channels", "refs"],
    queryFn: channelRefs,
    enabled: editing !== undefined,
  });
  const initial: RuleValues = rule
    ? {
        name: rule.name,
        description: rule.description,
        category: rule.category,
        severity: rule.severity,
        channelIds: rule.channelIds,
        incidentGrade: rule.incidentGrade ?? "none",
        enabled: rule.enabled,
        params: { ...defaultParams(rule.category), ...rule.params },
      }
    : {
        name: "",
        description: "",
        category: "monitor_state",
        severity: "warning",
        channelIds: [],
        incidentGrade: "none",
        enabled: true,
        params: defaultParams("monitor_state"),
      };
  const num = (name: string, min: number, max: number, extra: { step?: number; precision?: number } = {}) => (
    <Form.Item name={["params", name]} label={t(name)} rules={[{ required: true }]}>
      <InputNumber
        min={min}
        max={max}
        precision={extra.precision ?? 0}
        step={extra.step}
        style={{ width: "100%" }}
        data-testid={`rule-${name}`}
      />
    </Form.Item>
  );

  return (
    <FormDialog<RuleValues>
      open={editing !== undefined}
      onClose={onClose}
      form={form}
      width={760}
      title={t(rule ? "editTitle" : "createTitle")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={initial}
      autoFocusField="name"
      okTestId="rule-save"
      onSubmit={async (values) => {
        const body: AlertRuleInput = {
          name: values.name.trim(),
          description: values.description ?? "",
          category: values.category,
          params: paramsForCategory(values.category, values.params ?? {}),
          severity: values.severity,
          channelIds: values.channelIds ?? [],
          incidentGrade: values.incidentGrade === "none" ? null : values.incidentGrade,
          enabled: values.enabled,
        };
        if (rule) await alertApi.updateRule(rule, body);
        else await alertApi.createRule(body);
        message.success(t("saved", { name: body.name }));
        await onSaved();
      }}
    >
      <Row gutter={12}>
        <Col span={14}>
          <Form.Item name="name" label={t("name")} rules={[{ required: true, whitespace: true, max: 200 }]}>
            <Input data-testid="rule-name" />
          </Form.Item>
        </Col>
        <Col span={10}>
          <Form.Item name="category" label={t("category")} rules={[{ required: true }]}>
            <Select
              disabled={rule !== undefined}
              data-testid="rule-category"
              onChange={(c: AlertCategory) => form.setFieldValue("params", defaultParams(c))}
              options={ALERT_CATEGORIES.map((c) => ({ value: c, label: translate(`alerts.categories.${c}`) }))}
            />
          </Form.Item>
        </Col>
      </Row>
      <Divider orientation="left" plain style={{ marginTop: 0 }}>
        {t("params")}
      </Divider>
      {usesSelector(category) && (
        <>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {t("selectorHelp")}
          </Typography.Paragraph>
          <Row gutter={12}>
            <Col span={10}>
              <Form.Item name={["params", "selector", "monitorIds"]} label={t("monitorIds")}>
                <Select
                  mode="multiple"
                  allowClear
                  optionFilterProp="label"
                  maxCount={200}
                  placeholder={t("everyMonitor")}
                  options={names.monitors.map((m) => ({ value: m.id, label: m.name }))}
                  data-testid="rule-monitors"
                />
              </Form.Item>
            </Col>
            <Col span={7}>
              <Form.Item name={["params", "selector", "tags"]} label={t("tags")}>
                <Select mode="tags" maxCount={20} tokenSeparators={[",", " "]} />
              </Form.Item>
            </Col>
            <Col span={7}>
              <Form.Item name={["params", "selector", "appIds"]} label={t("appIds")}>
                <Select
                  mode="multiple"
                  allowClear
                  optionFilterProp="label"
                  maxCount={50}
                  options={apps.map((a) => ({ value: a.id, label: a.name }))}
                />
              </Form.Item>
            </Col>
          </Row>
        </>
      )}
      {category === "monitor_state" && (
        <Row gutter={12}>
          <Col span={12}>{num("forChecks", 1, 100)}</Col>
          <Col span={12}>{num("forMinutes", 0, 1440)}</Col>
        </Row>
      )}
      {category === "latency" && (
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name={["params", "percentile"]} label={t("percentile")} rules={[{ required: true }]}>
              <Select options={[50, 95, 99].map((p) => ({ value: p, label: `P${p}` }))} />
            </Form.Item>
          </Col>
          <Col span={6}>{num("thresholdMs", 1, 600_000)}</Col>
          <Col span={6}>{num("windowMinutes", 1, 1440)}</Col>
          <Col span={6}>{num("minSamples", 1, 10_000)}</Col>
        </Row>
      )}
      {category === "burn_rate" && (
        <>
          <Row gutter={12}>
            <Col span={8}>{num("target", 0.5, 0.99999, { step: 0.001, precision: 5 })}</Col>
          </Row>
          <Typography.Text strong>{t("windows")}</Typography.Text>
          <Form.List name={["params", "windows"]}>
            {(fields, { add, remove }) => (
              <>
                {fields.map((field) => (
                  <Space key={field.key} align="baseline" style={{ display: "flex", marginTop: 8 }}>
                    {(
                      [
                        ["burnRate", 0.1, 1000, 1],
                        ["longMinutes", 1, 43_200, 0],
                        ["shortMinutes", 1, 43_200, 0],
                      ] as const
                    ).map(([key, min, max, precision]) => (
                      <Form.Item
                        key={key}
                        name={[field.name, key]}
                        rules={[{ required: true }]}
                        style={{ marginBottom: 0 }}
                      >
                        <InputNumber min={min} max={max} precision={precision} addonBefore={t(key)} />
                      </Form.Item>
                    ))}
                    {fields.length > 1 && (
                      <Button type="text" icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} />
                    )}
                  </Space>
                ))}
                <Space style={{ marginTop: 8, marginBottom: 16 }}>
                  <Button
                    type="dashed"
                    icon={<PlusOutlined />}
                    disabled={fields.length >= 6}
                    onClick={() => add({ burnRate: 2, longMinutes: 1440, shortMinutes: 120 })}
                  >
                    {t("addWindow")}
                  </Button>
                  <Button
                    type="link"
                    onClick={() =>
                      form.setFieldValue(
                        ["params", "windows"],
                        DEFAULT_BURN_WINDOWS.map((w) => ({ ...w })),
                      )
                    }
                  >
                    {t("defaultWindows")}
                  </Button>
                </Space>
              </>
            )}
          </Form.List>
        </>
      )}
      {category === "cert_expiry" && (
        <Row gutter={12}>
          <Col span={8}>{num("daysLeft", 0, 365)}</Col>
        </Row>
      )}
      {category === "signal" && (
        <Row gutter={12}>
          <Col span={10}>
            <Form.Item
              name={["params", "signal"]}
              label={t("signal")}
              extra={t("signalHelp")}
              rules={[{ required: true, pattern: SIGNAL_NAME }]}
            >
              <Input placeholder="permit.submitted" data-testid="rule-signal" />
            </Form.Item>
          </Col>
          <Col span={7}>{num("threshold", 1, 1_000_000_000)}</Col>
          <Col span={7}>{num("windowMinutes", 1, 1440)}</Col>
        </Row>
      )}
      <Divider style={{ marginTop: 0 }} />
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item name="severity" label={t("severity")} rules={[{ required: true }]}>
            <Select
              options={SEVERITIES.map((s) => ({ value: s, label: translate(`alerts.severities.${s}`) }))}
              data-testid="rule-severity"
            />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="incidentGrade" label={t("incidentGrade")}>
            <Select
              options={[
                { value: "none", label: t("noIncident") },
                ...GRADES.map((g) => ({ value: g, label: translate(`incidents.grades.${g}`) })),
              ]}
              data-testid="rule-incident-grade"
            />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="enabled" label={t("enabled")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="channelIds" label={t("channels")}>
        <Select
          mode="multiple"
          allowClear
          maxCount={20}
          optionFilterProp="label"
          loading={channels.isFetching}
          options={(channels.data ?? []).map((c) => ({
            value: c.id,
            label: `${c.name} (${translate(`channels.types.${c.type}`)})`,
          }))}
          data-testid="rule-channels"
        />
      </Form.Item>
      <Form.Item name="description" label={t("description")} rules={[{ max: 1000 }]}>
        <Input.TextArea rows={2} />
      </Form.Item>
    </FormDialog>
  );
}
