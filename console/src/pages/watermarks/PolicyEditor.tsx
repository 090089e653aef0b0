import { useTranslate } from "@refinedev/core";
import {
  App,
  Col,
  ColorPicker,
  DatePicker,
  Divider,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Slider,
  Switch,
  Typography,
} from "antd";
import { DepartmentSelect } from "./DepartmentSelect";
import { FormDialog } from "../../components/FormDialog";
import { CONTEXTS, type WatermarkPolicy, watermarkApi } from "./watermarkApi";
import {
  DEFAULT_STYLE,
  fromFormValues,
  MAX_TEMPLATE_LENGTH,
  MAX_TEMPLATE_LINES,
  type PolicyFormValues,
  TEMPLATE_FIELDS,
  toFormValues,
  unknownFields,
} from "./watermarkModel";
import { WatermarkPreview } from "./WatermarkPreview";

const APP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Create or edit a policy, with the live preview beside the form. Saving an edit sends the version read
 * (If-Match): someone else's change meanwhile is refused (409) and shown in the dialog; so are the
 * server's own checks (unknown template fields, a period that ends before it starts, a name in use).
 */
export function PolicyEditor({
  editing,
  onClose,
  onSaved,
}: {
  editing: WatermarkPolicy | "new" | undefined;
  onClose: () => void;
  onSaved: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`watermarks.form.${key}`, values);
  const { message } = App.useApp();
  const [form] = Form.useForm<PolicyFormValues>();
  const policy = editing === "new" ? undefined : editing;

  const save = async (values: PolicyFormValues) => {
    const body = fromFormValues(values);
    if (policy) await watermarkApi.update(policy, body);
    else await watermarkApi.create(body);
    message.success(t(policy ? "saved" : "created", { name: body.name }));
    await onSaved();
  };

  return (
    <FormDialog<PolicyFormValues>
      open={editing !== undefined}
      onClose={onClose}
      onSubmit={save}
      form={form}
      width={1120}
      title={t(policy ? "editTitle" : "createTitle")}
      okText={translate("watermarks.common.save")}
      cancelText={translate("watermarks.common.cancel")}
      initialValues={toFormValues(policy)}
      autoFocusField="name"
      okTestId="watermark-save"
    >
      <Row gutter={24}>
        <Col xs={24} lg={13}>
          <Row gutter={12}>
            <Col span={16}>
              <Form.Item name="name" label={t("name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
                <Input data-testid="watermark-name" />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="priority" label={t("priority")} tooltip={t("priorityHelp")} rules={[{ required: true }]}>
                <InputNumber min={-1000} max={1000} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="description" label={t("description")} rules={[{ max: 1000 }]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="template"
            label={t("template")}
            extra={t("templateHelp", { fields: TEMPLATE_FIELDS.map((f) => `{${f}}`).join(" ") })}
            rules={[
              { required: true, whitespace: true, message: t("templateRequired") },
              { max: MAX_TEMPLATE_LENGTH },
              {
                validator: (_, value: string | undefined) => {
                  const text = value ?? "";
                  if (text.split("\n").length > MAX_TEMPLATE_LINES)
                    return Promise.reject(new Error(t("tooManyLines", { max: MAX_TEMPLATE_LINES })));
                  const unknown = unknownFields(text);
                  return unknown.length > 0
                    ? Promise.reject(new Error(t("unknownFields", { fields: unknown.map((f) => `{${f}}`).join(" ") })))
                    : Promise.resolve();
                },
              },
            ]}
          >
            <Input.TextArea rows={3} data-testid="watermark-template" />
          </Form.Item>
          <Form.Item name="customText" label={t("customText")} extra={t("customTextHelp")} rules={[{ max: 100 }]}>
            <Input data-testid="watermark-custom-text" />
          </Form.Item>
          <Divider orientation="left" plain>
            {t("scope")}
          </Divider>
          <Typography.Paragraph type="secondary">{t("scopeHelp")}</Typography.Paragraph>
          <Form.Item name="departments" label={t("departments")}>
            <DepartmentSelect placeholder={t("anyDepartment")} />
          </Form.Item>
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item
                name="apps"
                label={t("apps")}
                rules={[
                  {
                    validator: (_, apps: string[] | undefined) =>
                      (apps ?? []).every((a) => APP_ID.test(a))
                        ? Promise.resolve()
                        : Promise.reject(new Error(t("badApp"))),
                  },
                ]}
              >
                <Select
                  mode="tags"
                  placeholder={t("anyApp")}
                  tokenSeparators={[",", " "]}
                  data-testid="watermark-apps"
                />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="contexts" label={t("contexts")}>
                <Select
                  mode="multiple"
                  placeholder={t("anyContext")}
                  options={CONTEXTS.map((c) => ({ value: c, label: translate(`watermarks.contexts.${c}`) }))}
                  data-testid="watermark-contexts"
                />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name="validFrom" label={t("validFrom")}>
                <DatePicker showTime style={{ width: "100%" }} placeholder={t("open")} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="validTo" label={t("validTo")}>
                <DatePicker showTime style={{ width: "100%" }} placeholder={t("open")} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="enabled" label={t("enabled")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
        <Col xs={24} lg={11}>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t("preview")}
          </Typography.Title>
          {/* shouldUpdate: re-rendered on every change of the form, and on the reset that loads a policy
              when the dialog opens (Form.useWatch was seen to miss that reset and keep the last policy). */}
          <Form.Item noStyle shouldUpdate>
            {() => (
              <WatermarkPreview
                template={form.getFieldValue("template") ?? ""}
                customText={form.getFieldValue("customText") ?? ""}
                style={{ ...DEFAULT_STYLE, ...form.getFieldValue("style") }}
              />
            )}
          </Form.Item>
          <Divider orientation="left" plain>
            {t("style")}
          </Divider>
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name={["style", "fontSize"]} label={t("fontSize")} rules={[{ required: true }]}>
                <InputNumber
                  min={8}
                  max={72}
                  precision={0}
                  style={{ width: "100%" }}
                  data-testid="watermark-font-size"
                />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item
                name={["style", "color"]}
                label={t("color")}
                getValueFromEvent={(color: { toHexString: () => string }) => color.toHexString()}
                rules={[{ required: true }]}
              >
                <ColorPicker disabledAlpha showText />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name={["style", "opacity"]} label={t("opacity")}>
            <Slider min={0.01} max={1} step={0.01} />
          </Form.Item>
          <Form.Item name={["style", "rotate"]} label={t("rotate")}>
            <Slider min={-90} max={90} />
          </Form.Item>
          <Row gutter={12}>
            <Col span={8}>
              <Form.Item name={["style", "gapX"]} label={t("gapX")}>
                <InputNumber min={0} max={1000} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name={["style", "gapY"]} label={t("gapY")}>
                <InputNumber min={0} max={1000} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item
                name={["style", "visible"]}
                label={t("visible")}
                valuePropName="checked"
                tooltip={t("visibleHelp")}
              >
                <Switch />
              </Form.Item>
            </Col>
          </Row>
        </Col>
      </Row>
    </FormDialog>
  );
}
