import { CopyOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Alert, App, Button, Modal, Typography } from "antd";

/**
 * A new or reset one-time password, shown once: the server keeps only its hash. No close by the mask or the
 * Escape key, so it is not lost by a stray click; the admin confirms having noted it.
 */
export function OneTimePasswordModal({
  value,
  onClose,
}: {
  value: { username: string; password: string; reason: "created" | "reset" } | null;
  onClose: () => void;
}) {
  const translate = useTranslate();
  const { message } = App.useApp();
  const t = (key: string, values?: Record<string, unknown>) => translate(`people.oneTimePassword.${key}`, values);
  return (
    <Modal
      open={value !== null}
      title={t("title")}
      closable={false}
      maskClosable={false}
      keyboard={false}
      // Gone from the page once closed, not merely hidden.
      destroyOnHidden
      footer={
        <Button type="primary" onClick={onClose} data-testid="otp-close">
          {t("done")}
        </Button>
      }
    >
      {value && (
        <div data-testid="one-time-password">
          <Typography.Paragraph>
            {t(value.reason === "created" ? "createdIntro" : "resetIntro", { username: value.username })}
          </Typography.Paragraph>
          <Typography.Paragraph
            code
            style={{ fontSize: 20, textAlign: "center", padding: 12 }}
            data-testid="otp-value"
            data-password={value.password}
          >
            {value.password}
          </Typography.Paragraph>
          <Button
            icon={<CopyOutlined />}
            block
            style={{ marginBottom: 16 }}
            onClick={() =>
              void navigator.clipboard.writeText(value.password).then(
                () => message.success(t("copied")),
                () => undefined,
              )
            }
          >
            {t("copy")}
          </Button>
          <Alert type="warning" showIcon message={t("once")} />
        </div>
      )}
    </Modal>
  );
}
