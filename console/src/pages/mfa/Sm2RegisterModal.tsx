import { DownloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, type ButtonProps, Checkbox, Flex, Form, Input, Modal, Segmented, Typography } from "antd";
import { useState } from "react";
import { downloadText } from "../../components/download";
import { useErrorText } from "../../hooks/useErrorText";
import { registerSm2 } from "./mfaApi";
import { Sm2KeyInput } from "./Sm2KeyInput";
import { fingerprint, generateKey, keyFileText, type Sm2Key } from "./sm2Key";

type Source = "generate" | "import";

/**
 * Registers an SM2 key as a second factor: a key made here (the user must download the key file first) or an
 * existing private key. Registration proves possession by signing a server challenge; only the public key is sent.
 */
export function Sm2RegisterModal({
  open,
  onClose,
  onDone,
}: {
  open: boolean;
  onClose: () => void;
  onDone: () => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const t = (key: string, values?: Record<string, unknown>) => translate(`identity.sm2Register.${key}`, values);
  const [source, setSource] = useState<Source>("generate");
  const [generated, setGenerated] = useState<Sm2Key | null>(null);
  const [imported, setImported] = useState<Sm2Key | null>(null);
  const [downloaded, setDownloaded] = useState(false);
  const [label, setLabel] = useState("");
  const key = source === "generate" ? generated : imported;
  const register = useMutation({
    mutationFn: (k: Sm2Key) => registerSm2(k, label.trim()),
    onSuccess: () => {
      reset();
      onDone();
    },
  });

  function reset() {
    setGenerated(null);
    setImported(null);
    setDownloaded(false);
    setLabel("");
    register.reset();
  }

  const ready = key !== null && label.trim() !== "" && (source === "import" || downloaded);

  return (
    <Modal
      open={open}
      title={t("title")}
      width={560}
      destroyOnHidden
      onCancel={() => {
        reset();
        onClose();
      }}
      okText={t("submit")}
      okButtonProps={
        { disabled: !ready, loading: register.isPending, "data-testid": "sm2-register-submit" } as ButtonProps
      }
      onOk={() => key && register.mutate(key)}
    >
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <Form layout="vertical" requiredMark={false}>
        <Form.Item label={t("label")} required>
          <Input
            value={label}
            maxLength={100}
            placeholder={t("labelPlaceholder")}
            onChange={(e) => setLabel(e.target.value)}
            data-testid="sm2-label"
          />
        </Form.Item>
      </Form>
      <Segmented<Source>
        block
        value={source}
        onChange={setSource}
        style={{ marginBottom: 16 }}
        options={[
          { value: "generate", label: t("generate") },
          { value: "import", label: t("import") },
        ]}
      />
      {source === "generate" ? (
        generated ? (
          <Flex vertical gap={12}>
            <Alert type="warning" showIcon message={t("generated")} />
            <Typography.Text type="secondary">
              {translate("identity.sm2.loaded", { fingerprint: fingerprint(generated.publicKey) })}
            </Typography.Text>
            <Button
              icon={<DownloadOutlined />}
              onClick={() => {
                downloadText(
                  `tianshu-sm2-${label.trim() || "key"}.json`,
                  keyFileText(generated, label.trim()),
                  "application/json",
                );
                setDownloaded(true);
              }}
              data-testid="sm2-download"
            >
              {t("downloadKey")}
            </Button>
            <Checkbox checked={downloaded} onChange={(e) => setDownloaded(e.target.checked)}>
              {t("downloaded")}
            </Checkbox>
          </Flex>
        ) : (
          <Button type="dashed" block onClick={() => setGenerated(generateKey())} data-testid="sm2-generate">
            {t("generate")}
          </Button>
        )
      ) : (
        <Sm2KeyInput value={imported} onChange={setImported} />
      )}
      {register.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 16 }}
          message={t("failed")}
          description={errorText(register.error)}
        />
      )}
    </Modal>
  );
}
