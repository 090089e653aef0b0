import { useTranslate } from "@refinedev/core";
import { Card, Checkbox, Col, Form, InputNumber, Row, Select, Switch } from "antd";
import { isCidr, NUMBER_FIELDS, type SecuritySettings, TWO_PERSON_ACTIONS } from "./settingsModel";

type Section = keyof SecuritySettings;

const i18nKey = (action: string) => action.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());

/** One card of the settings form: its fields, each with the 等保 reason as help text under it. */
export function SettingsSection({ section }: { section: Section }) {
  const translate = useTranslate();
  const label = (name: string) => translate(`identity.settings.fields.${name}`);
  const help = (name: string) => translate(`identity.settings.help.${name}`);
  const testId = (name: string) => `setting-${section}-${name}`;

  const numbers = NUMBER_FIELDS.filter((f) => f.section === section).map((field) => (
    <Col key={field.name} xs={24} md={12}>
      <Form.Item
        name={[section, field.name]}
        label={label(field.name)}
        extra={help(field.name)}
        rules={[
          {
            required: true,
            type: "integer",
            min: field.min,
            max: field.max,
            message: translate("identity.settings.range", { min: field.min, max: field.max }),
          },
        ]}
      >
        <InputNumber
          min={field.min}
          max={field.max}
          precision={0}
          style={{ width: "100%" }}
          data-testid={testId(field.name)}
        />
      </Form.Item>
    </Col>
  ));

  return (
    <Card
      title={translate(`identity.settings.sections.${section}`)}
      style={{ height: "100%" }}
      data-testid={`settings-${section}`}
    >
      <Row gutter={16}>
        {numbers}
        {section === "mfa" && (
          <Col span={24}>
            <Form.Item
              name={["mfa", "requireForUsers"]}
              label={label("requireForUsers")}
              extra={help("requireForUsers")}
              valuePropName="checked"
            >
              <Switch data-testid={testId("requireForUsers")} />
            </Form.Item>
          </Col>
        )}
        {section === "adminPlane" && (
          <Col span={24}>
            <Form.Item
              name={["adminPlane", "ipAllowList"]}
              label={label("ipAllowList")}
              extra={help("ipAllowList")}
              rules={[
                {
                  validator: async (_, value: string[] | undefined) => {
                    const bad = (value ?? []).find((v) => !isCidr(v));
                    if (bad !== undefined) throw new Error(translate("identity.settings.cidrInvalid", { value: bad }));
                  },
                },
              ]}
            >
              <Select
                mode="tags"
                open={false}
                suffixIcon={null}
                tokenSeparators={[",", " ", "，"]}
                placeholder={translate("identity.settings.cidrPlaceholder")}
                maxCount={100}
                data-testid={testId("ipAllowList")}
              />
            </Form.Item>
          </Col>
        )}
        {section === "twoPersonRule" && (
          <Col span={24} style={{ order: -1 }}>
            <Form.Item name={["twoPersonRule", "actions"]} label={label("actions")} extra={help("actions")}>
              <Checkbox.Group
                data-testid={testId("actions")}
                options={TWO_PERSON_ACTIONS.map((action) => ({
                  value: action,
                  // i18n keys are dotted paths, so the action's own dot is dropped: "policy.publish" → policyPublish.
                  label: translate(`identity.settings.twoPersonActions.${i18nKey(action)}`),
                }))}
              />
            </Form.Item>
          </Col>
        )}
      </Row>
    </Card>
  );
}
