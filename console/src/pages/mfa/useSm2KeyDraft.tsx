import { DownloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Alert, Button, Checkbox, Flex, Form, Input, Segmented, Typography } from "antd";
import { type ReactNode, useState } from "react";
import { downloadText } from "../../components/download";
import { Sm2KeyInput } from "./Sm2KeyInput";
import { fingerprint, generateKey, keyFileText, type Sm2Key } from "./sm2Key";

type Source = "generate" | "import";

export interface Sm2KeyDraft {
  /** The name field, the generate / use-existing choice and the key itself, ready to render. */
  fields: ReactNode;
  /** The key to register once `ready`. */
  key: Sm2Key | null;
  label: string;
  /** A key and a name are there, and a key made here has been downloaded (it exists nowhere else). */
  ready: boolean;
  reset(): void;
}

/**
 * An SM2 key on its way to being registered: a key made here (the user must download the key file first)
 * or an existing private key, and a name for it. Shared by "add an SM2 key" in My security and the SM2 choice
 * of the first sign-in's enrolment. The private key stays in this component's state only.
 */
export function useSm2KeyDraft(): Sm2KeyDraft {
  const translate = useTranslate();
  const t = (key: string) => translate(`identity.sm2Register.${key}`);
  const [source, setSource] = useState<Source>("generate");
  const [generated, setGenerated] = useState<Sm2Key | null>(null);
  const [imported, setImported] = useState<Sm2Key | null>(null);
  const [downloaded, setDownloaded] = useState(false);
  const [label, setLabel] = useState("");
  const key = source === "generate" ? generated : imported;

  const fields = (
    <>
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
          { value: "generate", label: <span data-testid="sm2-source-generate">{t("generate")}</span> },
          { value: "import", label: <span data-testid="sm2-source-import">{t("import")}</span> },
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
            <Checkbox
              checked={downloaded}
              onChange={(e) => setDownloaded(e.target.checked)}
              data-testid="sm2-downloaded"
            >
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
    </>
  );

  return {
    fields,
    key,
    label: label.trim(),
    ready: key !== null && label.trim() !== "" && (source === "import" || downloaded),
    reset() {
      setGenerated(null);
      setImported(null);
      setDownloaded(false);
      setLabel("");
    },
  };
}
