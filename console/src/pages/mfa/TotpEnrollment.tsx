import { ReloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Button, Flex, Form, Input, QRCode, Skeleton, Typography } from "antd";
import { useErrorText } from "../../hooks/useErrorText";
import { confirmTotp, startTotpEnrollment } from "./mfaApi";

/** The secret in groups of four, as authenticator apps show it for manual entry. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

export const TOTP_CODE = /^\d{6}$/;

/**
 * Links an authenticator app: the server makes a secret (POST …/totp/enroll), the page shows it as a QR code
 * (otpauth URI) and as text, and a code from the app confirms it; the answer is the recovery codes.
 * The query is keyed per user and never refetched on its own: a new secret only on "New QR code".
 */
export function TotpEnrollment({ userId, onConfirmed }: { userId: string; onConfirmed: (codes: string[]) => void }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ code: string }>();
  const enrollment = useQuery({
    queryKey: ["mfa", "totp-enrollment", userId],
    queryFn: startTotpEnrollment,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const confirm = useMutation({ mutationFn: confirmTotp, onSuccess: onConfirmed });

  if (enrollment.error) {
    return (
      <Alert
        type="error"
        showIcon
        message={translate("identity.enroll.loadFailed")}
        description={errorText(enrollment.error)}
        action={<Button onClick={() => void enrollment.refetch()}>{translate("identity.enroll.restart")}</Button>}
      />
    );
  }
  const data = enrollment.data;

  return (
    <div data-testid="totp-enrollment">
      <Typography.Paragraph type="secondary">{translate("identity.enroll.scanHint")}</Typography.Paragraph>
      <Flex vertical align="center" gap={8} style={{ marginBottom: 16 }}>
        {data && !enrollment.isFetching ? (
          <QRCode value={data.otpauthUri} size={176} bordered data-testid="totp-qr" />
        ) : (
          <Skeleton.Image active style={{ width: 176, height: 176 }} />
        )}
        <Typography.Text type="secondary">{translate("identity.enroll.secret")}</Typography.Text>
        {data && (
          <Typography.Text
            code
            copyable={{ text: data.secret }}
            style={{ fontSize: 13, textAlign: "center", wordBreak: "break-all" }}
            data-testid="totp-secret"
            data-secret={data.secret}
          >
            {grouped(data.secret)}
          </Typography.Text>
        )}
        <Button
          size="small"
          type="link"
          icon={<ReloadOutlined />}
          onClick={() => {
            form.resetFields();
            confirm.reset();
            void enrollment.refetch();
          }}
        >
          {translate("identity.enroll.restart")}
        </Button>
      </Flex>
      {confirm.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("identity.enroll.failed")}
          description={<span data-testid="totp-error">{errorText(confirm.error)}</span>}
        />
      )}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={({ code }) => confirm.mutate(code.trim())}>
        <Form.Item
          name="code"
          label={translate("identity.verify.code")}
          extra={translate("identity.enroll.confirmHint")}
          rules={[{ required: true, pattern: TOTP_CODE, message: translate("identity.verify.codeRequired") }]}
        >
          <Input
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            size="large"
            style={{ letterSpacing: 6, fontFamily: "ui-monospace, Menlo, Consolas, monospace" }}
            data-testid="totp-code"
          />
        </Form.Item>
        <Button
          type="primary"
          htmlType="submit"
          block
          disabled={!data}
          loading={confirm.isPending}
          data-testid="totp-confirm"
        >
          {translate("identity.enroll.confirmSubmit")}
        </Button>
      </Form>
    </div>
  );
}
