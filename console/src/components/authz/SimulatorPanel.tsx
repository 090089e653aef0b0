import { useTranslate } from "@refinedev/core";
import {
  Alert,
  AutoComplete,
  Button,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  Radio,
  Row,
  Switch,
  Typography,
} from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { ACTIONS, SUBJECTS } from "../../../../policies/subjects";
import { ProblemAlert } from "../org/ProblemAlert";
import { UserPicker } from "../org/UserPicker";
import { policyOps, type SimulationRequest, type SimulationResult } from "./authzApi";
import { ExplainTable } from "./ExplainTable";

interface Values {
  subjectKind: "user" | "attributes";
  userId?: string;
  subjectAttributes?: string;
  action: string;
  resourceType: string;
  resourceAttributes?: string;
  ip?: string;
  time?: Dayjs;
  mfa?: boolean;
  useDraft: boolean;
}

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", fontSize: 13 };

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text || !text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "Can subject S do A on resource R?" against the published policies, or with the version being edited
 * put in place of the published one; the answer lists the rules that decided it and every rule considered.
 */
export function SimulatorPanel({
  draft,
  suggestions,
}: {
  /** The version being edited, when the simulation may use it instead of the published one. */
  draft?: { policyId: string; version: number };
  /** Actions and resource types of the document, offered first. */
  suggestions: { actions: string[]; resources: string[] };
}) {
  const translate = useTranslate();
  const [form] = Form.useForm<Values>();
  const subjectKind = Form.useWatch("subjectKind", form);
  const [result, setResult] = useState<SimulationResult | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const json = (field: string) => ({
    validator: async (_: unknown, value: string | undefined) => {
      if (parseObject(value) === undefined) throw new Error(translate("authz.simulator.badJson", { field }));
    },
  });

  const simulate = async (values: Values) => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    const environment: SimulationRequest["environment"] = {
      ...(values.ip?.trim() ? { ip: values.ip.trim() } : {}),
      ...(values.time ? { time: values.time.toISOString() } : {}),
      ...(values.mfa !== undefined ? { mfa: values.mfa } : {}),
    };
    const body: SimulationRequest = {
      subject:
        values.subjectKind === "user"
          ? { userId: values.userId ?? "" }
          : { attributes: parseObject(values.subjectAttributes) ?? {} },
      action: values.action.trim(),
      resource: { type: values.resourceType.trim(), attributes: parseObject(values.resourceAttributes) ?? {} },
      ...(Object.keys(environment).length > 0 ? { environment } : {}),
      ...(values.useDraft && draft ? { draft } : {}),
    };
    try {
      setResult(await policyOps.simulate(body));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const options = (first: string[], rest: readonly string[]) =>
    [...new Set([...first, ...rest])].map((value) => ({ value }));

  return (
    <div data-testid="simulator">
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={simulate}
        initialValues={{
          subjectKind: "user",
          subjectAttributes: '{\n  "role": "user",\n  "clearanceLevel": 2\n}',
          resourceAttributes: "{}",
          useDraft: Boolean(draft),
          mfa: true,
        }}
      >
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="subjectKind" label={translate("authz.simulator.subject")}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: "user", label: translate("authz.simulator.byUser") },
                  { value: "attributes", label: translate("authz.simulator.byAttributes") },
                ]}
              />
            </Form.Item>
            {subjectKind === "attributes" ? (
              <Form.Item name="subjectAttributes" rules={[json("subject")]}>
                <Input.TextArea rows={4} style={mono} spellCheck={false} data-testid="sim-subject-attributes" />
              </Form.Item>
            ) : (
              <Form.Item name="userId" rules={[{ required: true, message: translate("authz.validation.user") }]}>
                <UserPicker placeholder={translate("authz.scoped.searchUser")} testId="sim-user" />
              </Form.Item>
            )}
          </Col>
          <Col xs={24} md={12}>
            <Form.Item
              name="action"
              label={translate("authz.simulator.action")}
              rules={[{ required: true, whitespace: true, max: 64, message: translate("authz.validation.action") }]}
            >
              <AutoComplete options={options(suggestions.actions, ACTIONS)} data-testid="sim-action" />
            </Form.Item>
            <Form.Item
              name="resourceType"
              label={translate("authz.simulator.resourceType")}
              rules={[{ required: true, whitespace: true, max: 64, message: translate("authz.validation.resource") }]}
            >
              <AutoComplete options={options(suggestions.resources, SUBJECTS)} data-testid="sim-resource" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item
              name="resourceAttributes"
              label={translate("authz.simulator.resourceAttributes")}
              extra={translate("authz.simulator.resourceHint")}
              rules={[json("resource")]}
            >
              <Input.TextArea rows={4} style={mono} spellCheck={false} data-testid="sim-resource-attributes" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Typography.Text strong>{translate("authz.simulator.environment")}</Typography.Text>
            <Row gutter={8} style={{ marginTop: 8 }}>
              <Col span={12}>
                <Form.Item name="ip" label={translate("authz.simulator.ip")}>
                  <Input maxLength={64} placeholder="10.1.2.3" />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="time" label={translate("authz.simulator.time")}>
                  <DatePicker showTime style={{ width: "100%" }} />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="mfa" label={translate("authz.simulator.mfa")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <div style={{ display: "flex", gap: 16, alignItems: "center" }}>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="sim-run">
            {translate("authz.simulator.run")}
          </Button>
          {draft && (
            <Form.Item name="useDraft" valuePropName="checked" noStyle>
              <Checkbox data-testid="sim-use-draft">
                {translate("authz.simulator.useDraft", { version: draft.version })}
              </Checkbox>
            </Form.Item>
          )}
        </div>
      </Form>
      <div style={{ marginTop: 16 }}>
        <ProblemAlert error={error} testId="sim-problem" />
        {result && (
          <>
            <Alert
              type={result.allowed ? "success" : "error"}
              showIcon
              data-testid="sim-decision"
              data-allowed={String(result.allowed)}
              message={translate(result.allowed ? "authz.simulator.allowed" : "authz.simulator.denied")}
              description={
                result.reason
                  ? translate(`authz.simulator.reasons.${result.reason}`, result.reason) +
                    (result.missing?.length ? ` ${result.missing.join(", ")}` : "")
                  : result.decisive.length === 0 && !result.allowed
                    ? translate("authz.simulator.noRule")
                    : undefined
              }
              style={{ marginBottom: 12 }}
            />
            <Typography.Title level={5}>{translate("authz.simulator.decisive")}</Typography.Title>
            <ExplainTable entries={result.decisive} testId="sim-decisive" />
            <details style={{ marginTop: 12 }}>
              <summary style={{ cursor: "pointer" }}>
                {translate("authz.simulator.considered", { count: result.considered.length })}
              </summary>
              <ExplainTable entries={result.considered} />
            </details>
          </>
        )}
      </div>
    </div>
  );
}
