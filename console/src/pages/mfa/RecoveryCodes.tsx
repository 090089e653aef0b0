import { CopyOutlined, DownloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Alert, App, Button, Checkbox, Flex, Typography, theme } from "antd";
import { useState } from "react";
import { downloadText } from "../../components/download";

/**
 * Recovery codes, shown once: copy, download as text, and an explicit "I have saved them" before going on
 * (the server keeps only their hashes, so they can never be shown again).
 */
export function RecoveryCodes({
  codes,
  username,
  onDone,
  doneLabel,
}: {
  codes: string[];
  username: string;
  onDone: () => void;
  doneLabel?: string;
}) {
  const translate = useTranslate();
  const { token } = theme.useToken();
  const { message } = App.useApp();
  const [saved, setSaved] = useState(false);
  const text = [translate("identity.recovery.fileHeader"), username, "", ...codes, ""].join("\n");

  const copy = async () => {
    await navigator.clipboard.writeText(codes.join("\n"));
    message.success(translate("identity.recovery.copied"));
  };

  return (
    <div data-testid="recovery-codes">
      <Alert type="warning" showIcon message={translate("identity.recovery.intro")} style={{ marginBottom: 16 }} />
      <div
        style={{
          display: "grid",
          gridTemplateColumns: "1fr 1fr",
          gap: "8px 24px",
          padding: 16,
          background: token.colorFillQuaternary,
          borderRadius: token.borderRadius,
          marginBottom: 12,
        }}
      >
        {codes.map((code) => (
          <Typography.Text key={code} code style={{ fontSize: 15, textAlign: "center" }} data-testid="recovery-code">
            {code}
          </Typography.Text>
        ))}
      </div>
      <Flex gap={8} style={{ marginBottom: 16 }}>
        <Button icon={<CopyOutlined />} onClick={() => void copy().catch(() => undefined)}>
          {translate("identity.recovery.copy")}
        </Button>
        <Button
          icon={<DownloadOutlined />}
          onClick={() => downloadText(`tianshu-recovery-codes-${username}.txt`, text)}
          data-testid="recovery-download"
        >
          {translate("identity.recovery.download")}
        </Button>
      </Flex>
      <Checkbox checked={saved} onChange={(e) => setSaved(e.target.checked)} data-testid="recovery-saved">
        {translate("identity.recovery.saved")}
      </Checkbox>
      <Button
        type="primary"
        block
        disabled={!saved}
        style={{ marginTop: 16 }}
        onClick={onDone}
        data-testid="recovery-continue"
      >
        {doneLabel ?? translate("identity.recovery.continue")}
      </Button>
    </div>
  );
}
