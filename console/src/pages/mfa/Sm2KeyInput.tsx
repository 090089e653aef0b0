import { KeyOutlined, UploadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Alert, Button, Flex, Input, Typography, Upload } from "antd";
import { useState } from "react";
import { fingerprint, KEY_FILE_MAX_BYTES, keyFromFileText, keyFromPrivateHex, type Sm2Key } from "./sm2Key";

/**
 * Loads an SM2 private key into memory, from a key file (read locally by the browser, never uploaded) or
 * pasted. The parent holds the key in state only; nothing is written to storage.
 */
export function Sm2KeyInput({ value, onChange }: { value: Sm2Key | null; onChange: (key: Sm2Key | null) => void }) {
  const translate = useTranslate();
  const [problem, setProblem] = useState<string>();
  const [pasted, setPasted] = useState("");

  const accept = (key: Sm2Key | null) => {
    setProblem(key ? undefined : translate("identity.sm2.invalidKey"));
    onChange(key);
  };

  const readFile = async (file: File) => {
    if (file.size > KEY_FILE_MAX_BYTES) {
      setProblem(translate("identity.sm2.fileTooLarge"));
      onChange(null);
      return;
    }
    accept(keyFromFileText(await file.text()));
  };

  return (
    <Flex vertical gap={12} data-testid="sm2-key-input">
      <Alert type="info" showIcon icon={<KeyOutlined />} message={translate("identity.sm2.memoryOnly")} />
      <div>
        <Typography.Text strong>{translate("identity.sm2.keyFile")}</Typography.Text>
        <div style={{ marginTop: 4 }}>
          <Upload
            accept=".json,.txt,.key,application/json,text/plain"
            maxCount={1}
            showUploadList={false}
            beforeUpload={(file) => {
              void readFile(file);
              // Read here, never sent: the upload itself is cancelled.
              return Upload.LIST_IGNORE;
            }}
          >
            <Button icon={<UploadOutlined />} data-testid="sm2-key-file">
              {translate("identity.sm2.chooseFile")}
            </Button>
          </Upload>
        </div>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {translate("identity.sm2.keyFileHint")}
        </Typography.Text>
      </div>
      <div>
        <Typography.Text strong>{translate("identity.sm2.orPaste")}</Typography.Text>
        <Input.Password
          style={{ marginTop: 4 }}
          value={pasted}
          autoComplete="off"
          maxLength={70}
          placeholder={translate("identity.sm2.privateKey")}
          onChange={(e) => {
            setPasted(e.target.value);
            if (e.target.value.trim() === "") {
              setProblem(undefined);
              onChange(null);
            } else accept(keyFromPrivateHex(e.target.value));
          }}
          data-testid="sm2-key-paste"
        />
      </div>
      {problem && <Alert type="error" showIcon message={problem} />}
      {value && !problem && (
        <Alert
          type="success"
          showIcon
          message={translate("identity.sm2.loaded", { fingerprint: fingerprint(value.publicKey) })}
          data-testid="sm2-key-loaded"
        />
      )}
    </Flex>
  );
}
