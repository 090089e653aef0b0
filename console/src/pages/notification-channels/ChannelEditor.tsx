import { useTranslate } from "@refinedev/core";
import { App, Col, Form, Input, InputNumber, Row, Select, Switch } from "antd";
import { FormDialog } from "../../components/FormDialog";
import { type Channel, CHANNEL_TYPES, type ChannelType, channelApi, MASK, RECIPIENT_ROLES } from "./channelApi";
import { type ChannelFormConfig, configForType, defaultConfig, secretOk } from "./channelModel";
import { UsersSelect } from "./UsersSelect";

interface ChannelValues {
  name: string;
  type: ChannelType;
  description: string;
  enabled: boolean;
  config: ChannelFormConfig;
}

const PHONE = /^\+?[0-9]{5,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Create or edit a channel; the settings follow the type. Secrets are write-only: an edited channel's
 * secret shows as ****** and is kept unless replaced (the server keeps the stored value for the mask).
 */
export function ChannelEditor({
  editing,
  onClose,
  onSaved,
}: {
  editing: Channel | "new" | undefined;
  onClose: () => void;
  onSaved: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`channels.form.${key}`, values);
  const { message } = App.useApp();
  const [form] = Form.useForm<ChannelValues>();
  const channel = editing === "new" ? undefined : editing;
  const type = (Form.useWatch("type", form) ?? channel?.type ?? "webhook") as ChannelType;
  const stored = (field: string) => channel?.config[field] === MASK;
  const initial: ChannelValues = channel
    ? {
        name: channel.name,
        type: channel.type,
        description: channel.description,
        enabled: channel.enabled,
        config: { ...defaultConfig(channel.type), ...(channel.config as ChannelFormConfig) },
      }
    : { name: "", type: "webhook", description: "", enabled: true, config: defaultConfig("webhook") };
  const secretRule = (field: string) => ({
    validator: (_: unknown, value: string | undefined) =>
      secretOk(value, stored(field)) ? Promise.resolve() : Promise.reject(new Error(t("secretTooShort"))),
  });
  const secretField = (field: "secret" | "password", required: boolean) => (
    <Form.Item
      name={["config", field]}
      label={t(field)}
      extra={t("secretHelp")}
      rules={required ? [secretRule(field)] : [{ max: 256 }]}
    >
      <Input.Password
        autoComplete="new-password"
        visibilityToggle={!stored(field)}
        data-testid={`channel-${field}`}
        onFocus={(e) => {
          // Focusing the mask clears it, so typing replaces the stored secret rather than appending to "******".
          if (e.target.value === MASK) form.setFieldValue(["config", field], "");
        }}
        onBlur={(e) => {
          if (e.target.value === "" && stored(field)) form.setFieldValue(["config", field], MASK);
        }}
      />
    </Form.Item>
  );

  return (
    <FormDialog<ChannelValues>
      open={editing !== undefined}
      onClose={onClose}
      form={form}
      width={680}
      title={t(channel ? "editTitle" : "createTitle")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={initial}
      autoFocusField="name"
      okTestId="channel-save"
      onSubmit={async (values) => {
        const body = {
          name: values.name.trim(),
          type: values.type,
          description: values.description ?? "",
          enabled: values.enabled,
          config: configForType(values.type, values.config ?? {}),
        };
        if (channel) await channelApi.update(channel, body);
        else await channelApi.create(body);
        message.success(t("saved", { name: body.name }));
        await onSaved();
      }}
    >
      <Row gutter={12}>
        <Col span={14}>
          <Form.Item name="name" label={t("name")} rules={[{ required: true, whitespace: true, max: 200 }]}>
            <Input data-testid="channel-name" />
          </Form.Item>
        </Col>
        <Col span={10}>
          <Form.Item name="type" label={t("type")} rules={[{ required: true }]}>
            <Select
              disabled={channel !== undefined}
              onChange={(next: ChannelType) => form.setFieldValue("config", defaultConfig(next))}
              options={CHANNEL_TYPES.map((c) => ({ value: c, label: translate(`channels.types.${c}`) }))}
              data-testid="channel-type"
            />
          </Form.Item>
        </Col>
      </Row>
      {(type === "webhook" || type === "sms") && (
        <>
          <Form.Item name={["config", "url"]} label={t("url")} rules={[{ required: true, type: "url", max: 2000 }]}>
            <Input placeholder="https://" data-testid="channel-url" />
          </Form.Item>
          {secretField("secret", true)}
        </>
      )}
      {type === "sms" && (
        <Form.Item
          name={["config", "phoneNumbers"]}
          label={t("phones")}
          rules={[
            { required: true, type: "array", min: 1, max: 50 },
            {
              validator: (_, list: string[] | undefined) =>
                (list ?? []).every((p) => PHONE.test(p.trim()))
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("phones"))),
            },
          ]}
        >
          <Select mode="tags" tokenSeparators={[",", " ", "，"]} open={false} data-testid="channel-phones" />
        </Form.Item>
      )}
      {type === "email" && (
        <>
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name={["config", "host"]} label={t("host")} rules={[{ required: true, max: 253 }]}>
                <Input data-testid="channel-host" />
              </Form.Item>
            </Col>
            <Col span={5}>
              <Form.Item name={["config", "port"]} label={t("port")} rules={[{ required: true }]}>
                <InputNumber min={1} max={65535} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col span={7}>
              <Form.Item name={["config", "security"]} label={t("security")} rules={[{ required: true }]}>
                <Select
                  options={(["tls", "starttls", "none"] as const).map((s) => ({
                    value: s,
                    label: translate(`channels.form.securities.${s}`),
                  }))}
                />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name={["config", "user"]} label={t("user")} rules={[{ max: 254 }]}>
                <Input autoComplete="off" />
              </Form.Item>
            </Col>
            <Col span={12}>{secretField("password", false)}</Col>
          </Row>
          <Form.Item name={["config", "from"]} label={t("from")} rules={[{ required: true, pattern: EMAIL, max: 254 }]}>
            <Input data-testid="channel-from" />
          </Form.Item>
          <Form.Item
            name={["config", "to"]}
            label={t("to")}
            rules={[
              { required: true, type: "array", min: 1, max: 50 },
              {
                validator: (_, list: string[] | undefined) =>
                  (list ?? []).every((a) => EMAIL.test(a.trim()))
                    ? Promise.resolve()
                    : Promise.reject(new Error(t("to"))),
              },
            ]}
          >
            <Select mode="tags" tokenSeparators={[",", " ", "，", ";"]} open={false} data-testid="channel-to" />
          </Form.Item>
          <Form.Item name={["config", "ignoreTls"]} label={t("ignoreTls")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </>
      )}
      {type === "console" && (
        <>
          <Form.Item
            name={["config", "roles"]}
            label={t("roles")}
            dependencies={[["config", "userIds"]]}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, roles: string[] | undefined) =>
                  (roles?.length ?? 0) + ((getFieldValue(["config", "userIds"]) as string[] | undefined)?.length ?? 0) >
                  0
                    ? Promise.resolve()
                    : Promise.reject(new Error(t("atLeastOneRecipient"))),
              }),
            ]}
          >
            <Select
              mode="multiple"
              options={RECIPIENT_ROLES.map((r) => ({ value: r, label: translate(`channels.form.roleNames.${r}`) }))}
              data-testid="channel-roles"
            />
          </Form.Item>
          <Form.Item name={["config", "userIds"]} label={t("userIds")}>
            <UsersSelect testId="channel-users" />
          </Form.Item>
        </>
      )}
      <Form.Item name="description" label={t("description")} rules={[{ max: 1000 }]}>
        <Input.TextArea rows={2} />
      </Form.Item>
      <Form.Item name="enabled" label={t("enabled")} valuePropName="checked" style={{ marginBottom: 0 }}>
        <Switch />
      </Form.Item>
    </FormDialog>
  );
}
