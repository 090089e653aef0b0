import { ReloadOutlined, SaveOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Flex, Form, Row, Skeleton, Space, Typography } from "antd";
import { useState } from "react";
import { isApiError } from "../../api/ApiError";
import { PageContainer } from "../../components/PageContainer";
import { useErrorText } from "../../hooks/useErrorText";
import { useLocale } from "../../i18n/localeStore";
import type { ConsoleResource } from "../../resources";
import { useSession } from "../../session/session";
import { formatBeijingTime } from "../../time";
import { SettingsSection } from "./SettingsSection";
import {
  crossFieldProblems,
  loadSettings,
  SECTIONS,
  type SaveOutcome,
  type SecuritySettings,
  saveSettings,
} from "./settingsModel";

const QUERY_KEY = ["data", "security-settings"];

/** Server field paths ("body.settings.lockout.maxFailures") as form names (["lockout", "maxFailures"]). */
function formPath(path: string | (string | number)[] | undefined): (string | number)[] | undefined {
  const parts = Array.isArray(path) ? path.map(String) : (path?.split(".") ?? []);
  const start = parts.indexOf("settings");
  return start >= 0 && parts.length > start + 1 ? parts.slice(start + 1) : undefined;
}

/**
 * The tenant's security settings (secadmin): one document, saved whole with If-Match on its version.
 * A stale version answers 409 (someone else saved first: reload); under the two-person rule the save
 * answers 202 and becomes a proposal another admin must approve.
 */
export function SecuritySettingsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const locale = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const session = useSession();
  const canEdit = session?.ability.can("update", "SecuritySetting") ?? false;
  const [form] = Form.useForm<SecuritySettings>();
  const [outcome, setOutcome] = useState<SaveOutcome | { kind: "conflict" } | { kind: "error"; error: unknown }>();
  const query = useQuery({ queryKey: QUERY_KEY, queryFn: loadSettings });
  const view = query.data;

  const save = useMutation({
    mutationFn: (settings: SecuritySettings) => saveSettings(settings, view?.version ?? 0),
    onSuccess: (result) => {
      setOutcome(result);
      if (result.kind === "saved") {
        message.success(translate("identity.settings.saved"));
        queryClient.setQueryData(QUERY_KEY, result.view);
      }
    },
    onError: (error) => {
      if (isApiError(error) && (error.statusCode === 409 || error.statusCode === 412 || error.statusCode === 428)) {
        setOutcome({ kind: "conflict" });
        return;
      }
      setOutcome({ kind: "error", error });
      if (isApiError(error)) {
        const fields = (error.problem.errors ?? []).flatMap((e) => {
          const name = formPath(e.path);
          return name ? [{ name, errors: [(locale === "zh-CN" ? e.zh : e.message) ?? e.message ?? ""] }] : [];
        });
        if (fields.length > 0) form.setFields(fields as Parameters<typeof form.setFields>[0]);
      }
    },
  });

  const submit = (values: SecuritySettings) => {
    setOutcome(undefined);
    const problems = crossFieldProblems(values);
    if (problems.length > 0) {
      const fields = problems.map((p) => ({ name: p.path, errors: [translate(p.key)] }));
      form.setFields(fields as Parameters<typeof form.setFields>[0]);
      return;
    }
    save.mutate(values);
  };

  const reload = async () => {
    setOutcome(undefined);
    await query.refetch();
  };

  return (
    <PageContainer
      resource={resource}
      extra={
        <Button
          icon={<ReloadOutlined />}
          onClick={() => void reload()}
          loading={query.isFetching}
          data-testid="settings-reload"
        >
          {translate("identity.settings.reload")}
        </Button>
      }
    >
      {query.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("identity.settings.loadFailed")}
          description={errorText(query.error)}
        />
      )}
      {outcome?.kind === "conflict" && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="settings-conflict"
          message={translate("identity.settings.conflictTitle")}
          description={translate("identity.settings.conflict")}
          action={
            <Button type="primary" size="small" onClick={() => void reload()}>
              {translate("identity.settings.reload")}
            </Button>
          }
        />
      )}
      {outcome?.kind === "proposed" && (
        <Alert
          type="info"
          showIcon
          closable
          style={{ marginBottom: 16 }}
          data-testid="settings-proposed"
          message={translate("identity.settings.submittedTitle")}
          description={translate("identity.settings.submitted", { id: outcome.approvalId })}
        />
      )}
      {outcome?.kind === "error" && (
        <Alert
          type="error"
          showIcon
          closable
          style={{ marginBottom: 16 }}
          data-testid="settings-error"
          message={translate("identity.settings.saveFailed")}
          description={errorText(outcome.error)}
        />
      )}
      {!view ? (
        <Card>
          <Skeleton active paragraph={{ rows: 8 }} />
        </Card>
      ) : (
        <Form<SecuritySettings>
          // A new version (saved or reloaded) starts the form afresh from the server's document.
          key={`${view.version}:${view.updatedAt ?? ""}`}
          form={form}
          layout="vertical"
          initialValues={view.settings}
          disabled={!canEdit}
          onFinish={submit}
          onFinishFailed={() => message.error(translate("identity.settings.invalid"))}
          data-testid="settings-form"
        >
          <Row gutter={[16, 16]}>
            {SECTIONS.map((section) => (
              <Col key={section} xs={24} xxl={12}>
                <SettingsSection section={section} />
              </Col>
            ))}
          </Row>
          <Card style={{ position: "sticky", bottom: 0, marginTop: 16, zIndex: 5 }} styles={{ body: { padding: 12 } }}>
            <Flex justify="space-between" align="center" wrap gap={8}>
              <Typography.Text type="secondary" data-testid="settings-version">
                {translate("identity.settings.version", {
                  version: view.version,
                  time: view.updatedAt ? formatBeijingTime(view.updatedAt) : "—",
                })}
              </Typography.Text>
              <Space>
                <Button onClick={() => form.resetFields()}>{translate("identity.settings.reset")}</Button>
                <Button
                  type="primary"
                  htmlType="submit"
                  icon={<SaveOutlined />}
                  loading={save.isPending}
                  data-testid="settings-save"
                >
                  {translate("identity.settings.save")}
                </Button>
              </Space>
            </Flex>
          </Card>
        </Form>
      )}
    </PageContainer>
  );
}
