import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Checkbox, Col, Divider, Form, Input, InputNumber, Row, Select, Space } from "antd";
import { FormDialog } from "../../components/FormDialog";
import { UserPicker } from "../../components/org/UserPicker";
import { allApps, type Monitor, MONITOR_TYPES, monitorApi } from "./monitorApi";
import {
  DEFAULT_FORM,
  DNS_RECORD_TYPES,
  fromDefinition,
  HTTP_METHODS,
  JSON_PATH_OPERATORS,
  MIN_INTERVAL_SECONDS,
  type MonitorFormValues,
  toDefinition,
} from "./monitorModel";

/**
 * Create or edit a monitor: the fields follow the type. The server validates the definition
 * (monitors/config.ts) and names any field it refuses, in the UI language, inside the dialog.
 * Credentials come back masked (******) and are kept unless replaced (api/src/monitors/secrets.ts).
 */
export function MonitorFormDialog({
  open,
  editing,
  onClose,
  onSaved,
}: {
  open: boolean;
  editing: Monitor | undefined;
  onClose: () => void;
  onSaved: (monitor: Monitor) => void;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.form.${key}`, values);
  const [form] = Form.useForm<MonitorFormValues>();
  const type = Form.useWatch("type", form) ?? editing?.type ?? "http";
  const method = Form.useWatch("method", form);
  const apps = useQuery({ queryKey: ["monitors", "apps", "all"], queryFn: allApps, enabled: open, retry: false });
  const required = [{ required: true, message: t("required") }];

  const submit = async (values: MonitorFormValues) => {
    const definition = toDefinition({ ...values, type: editing?.type ?? values.type });
    const saved = editing ? await monitorApi.update(editing, definition) : await monitorApi.create(definition);
    onSaved(saved);
  };

  const num = (
    name: keyof MonitorFormValues,
    label: string,
    props: { min?: number; max?: number; help?: string } = {},
  ) => (
    <Form.Item name={name} label={label} help={props.help}>
      <InputNumber min={props.min ?? 0} max={props.max} style={{ width: "100%" }} data-testid={`monitor-${name}`} />
    </Form.Item>
  );

  return (
    <FormDialog<MonitorFormValues>
      open={open}
      onClose={onClose}
      onSubmit={submit}
      form={form}
      width={760}
      title={editing ? t("editTitle", { name: editing.name }) : t("createTitle")}
      okText={translate("monitors.common.save")}
      cancelText={translate("monitors.common.cancel")}
      okTestId="monitor-save"
      autoFocusField="name"
      initialValues={editing ? fromDefinition(editing.type, editing.definition) : DEFAULT_FORM}
    >
      <Row gutter={16}>
        <Col span={8}>
          <Form.Item name="type" label={t("type")} rules={required}>
            <Select
              disabled={Boolean(editing)}
              data-testid="monitor-type"
              options={MONITOR_TYPES.map((value) => ({ value, label: translate(`monitors.types.${value}`) }))}
            />
          </Form.Item>
        </Col>
        <Col span={16}>
          <Form.Item name="name" label={t("name")} rules={[...required, { max: 200 }]}>
            <Input maxLength={200} data-testid="monitor-name" />
          </Form.Item>
        </Col>
      </Row>

      <Divider orientation="left" plain>
        {t("target")}
      </Divider>
      {type === "http" && (
        <>
          <Row gutter={16}>
            <Col span={6}>
              <Form.Item name="method" label={t("method")}>
                <Select data-testid="monitor-method" options={HTTP_METHODS.map((m) => ({ value: m, label: m }))} />
              </Form.Item>
            </Col>
            <Col span={18}>
              <Form.Item name="url" label={t("url")} rules={[...required, { max: 2048 }]}>
                <Input placeholder="https://" maxLength={2048} data-testid="monitor-url" />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item label={t("headers")} extra={t("secretHint")}>
            <Form.List name="headers">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((field) => (
                    <Space key={field.key} align="baseline" style={{ display: "flex" }}>
                      <Form.Item name={[field.name, "name"]} style={{ marginBottom: 8 }}>
                        <Input placeholder={t("headerName")} maxLength={200} data-testid="monitor-header-name" />
                      </Form.Item>
                      <Form.Item name={[field.name, "value"]} style={{ marginBottom: 8, width: 360 }}>
                        <Input placeholder={t("headerValue")} maxLength={8192} data-testid="monitor-header-value" />
                      </Form.Item>
                      <Button
                        type="text"
                        icon={<DeleteOutlined />}
                        aria-label={translate("monitors.common.delete")}
                        onClick={() => remove(field.name)}
                      />
                    </Space>
                  ))}
                  <Button
                    icon={<PlusOutlined />}
                    onClick={() => add({ name: "", value: "" })}
                    size="small"
                    data-testid="monitor-add-header"
                  >
                    {t("addHeader")}
                  </Button>
                </>
              )}
            </Form.List>
          </Form.Item>
          {method !== "GET" && method !== "HEAD" && (
            <Form.Item name="body" label={t("body")}>
              <Input.TextArea rows={3} maxLength={64 * 1024} data-testid="monitor-body" />
            </Form.Item>
          )}
        </>
      )}
      {type === "tcp" && (
        <Row gutter={16}>
          <Col span={16}>
            <Form.Item name="host" label={t("host")} rules={required}>
              <Input maxLength={253} data-testid="monitor-host" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="port" label={t("port")} rules={required}>
              <InputNumber min={1} max={65535} style={{ width: "100%" }} data-testid="monitor-port" />
            </Form.Item>
          </Col>
        </Row>
      )}
      {type === "dns" && (
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="hostname" label={t("hostname")} rules={required}>
              <Input maxLength={253} data-testid="monitor-hostname" />
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item name="recordType" label={t("recordType")}>
              <Select options={DNS_RECORD_TYPES.map((r) => ({ value: r, label: r }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="server" label={t("server")} help={t("serverHelp")}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
      )}
      {type === "postgres" && (
        <>
          <Form.Item name="connectionString" label={t("connectionString")} rules={required} extra={t("secretHint")}>
            <Input placeholder="postgresql://user:password@host:5432/db" maxLength={2048} />
          </Form.Item>
          <Form.Item name="query" label={t("query")}>
            <Input.TextArea rows={2} maxLength={10_000} />
          </Form.Item>
        </>
      )}
      {type === "push" && <Alert type="info" showIcon message={t("pushHelp")} style={{ marginBottom: 16 }} />}

      {(type === "http" || type === "dns" || type === "postgres") && (
        <>
          <Divider orientation="left" plain>
            {t("conditions")}
          </Divider>
          {type === "http" ? (
            <>
              <Row gutter={16}>
                <Col span={12}>
                  <Form.Item name="acceptStatus" label={t("acceptStatus")} help={t("acceptStatusHelp")}>
                    <Select mode="tags" open={false} tokenSeparators={[",", " "]} data-testid="monitor-accept-status" />
                  </Form.Item>
                </Col>
                <Col span={12}>{num("maxRedirects", t("maxRedirects"), { max: 20 })}</Col>
              </Row>
              <Row gutter={16}>
                <Col span={12}>
                  <Form.Item name="keywordValue" label={t("keyword")}>
                    <Input maxLength={1000} data-testid="monitor-keyword" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="keywordAbsent" valuePropName="checked" style={{ marginBottom: 0, marginTop: 30 }}>
                    <Checkbox>{t("keywordAbsent")}</Checkbox>
                  </Form.Item>
                  <Form.Item name="keywordIgnoreCase" valuePropName="checked">
                    <Checkbox>{t("keywordIgnoreCase")}</Checkbox>
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={16}>
                <Col span={10}>
                  <Form.Item name="jsonPath" label={t("jsonPath")} help={t("jsonPathHelp")}>
                    <Input maxLength={500} data-testid="monitor-json-path" />
                  </Form.Item>
                </Col>
                <Col span={4}>
                  <Form.Item name="jsonPathOp" label=" ">
                    <Select options={JSON_PATH_OPERATORS.map((o) => ({ value: o, label: o }))} />
                  </Form.Item>
                </Col>
                <Col span={10}>
                  <Form.Item name="jsonPathValue" label={t("jsonPathValue")}>
                    <Input maxLength={1000} data-testid="monitor-json-value" />
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={16}>
                <Col span={12}>{num("tlsExpiryDays", t("tlsExpiryDays"), { max: 365 })}</Col>
                <Col span={12}>
                  <Form.Item name="ignoreTls" valuePropName="checked" label=" ">
                    <Checkbox>{t("ignoreTls")}</Checkbox>
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item name="ca" label={t("ca")}>
                <Input.TextArea rows={2} maxLength={64 * 1024} placeholder="-----BEGIN CERTIFICATE-----" />
              </Form.Item>
            </>
          ) : (
            <Form.Item name="expected" label={t("expected")}>
              <Input maxLength={1024} />
            </Form.Item>
          )}
        </>
      )}

      <Divider orientation="left" plain>
        {t("probe")}
      </Divider>
      <Row gutter={16}>
        <Col span={8}>
          <Form.Item
            name="intervalSeconds"
            label={t("interval")}
            help={t("intervalHelp")}
            rules={[
              ...required,
              { type: "number", min: MIN_INTERVAL_SECONDS, message: t("min", { min: MIN_INTERVAL_SECONDS }) },
            ]}
          >
            <InputNumber
              min={MIN_INTERVAL_SECONDS}
              max={86_400}
              style={{ width: "100%" }}
              data-testid="monitor-interval"
            />
          </Form.Item>
        </Col>
        {type === "push" ? (
          <Col span={8}>{num("graceSeconds", t("graceSeconds"), { max: 86_400 })}</Col>
        ) : (
          <>
            <Col span={8}>{num("timeoutMs", t("timeout"), { min: 100, max: 300_000 })}</Col>
            <Col span={8}>{num("retries", t("retries"), { max: 10 })}</Col>
            <Col span={8}>{num("retryDelayMs", t("retryDelay"), { max: 60_000 })}</Col>
            <Col span={16}>
              {num("degradedAfterMs", t("degradedAfter"), { min: 1, max: 300_000, help: t("degradedHelp") })}
            </Col>
          </>
        )}
      </Row>

      <Divider orientation="left" plain>
        {t("basic")}
      </Divider>
      <Row gutter={16}>
        <Col span={12}>
          <Form.Item name="appId" label={t("app")}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              loading={apps.isFetching}
              data-testid="monitor-app"
              options={(apps.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
            />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="owner" label={t("owner")}>
            <UserPicker testId="monitor-owner" />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="tags" label={t("tags")} help={t("tagsHelp")}>
        <Select mode="tags" open={false} maxCount={20} tokenSeparators={[","]} data-testid="monitor-tags" />
      </Form.Item>
    </FormDialog>
  );
}
