import { useTranslate } from "@refinedev/core";
import { Typography, Watermark } from "antd";
import dayjs from "dayjs";
import { useSession } from "../../session/session";
import type { WatermarkStyle } from "./watermarkApi";
import { fillTemplate, previewProps, sampleValues } from "./watermarkModel";

/**
 * The policy as a viewer would see it: antd <Watermark> over a mock chat window, the template filled with a
 * sample viewer (the signed-in admin's name, a made-up department) and the current Beijing time. It
 * re-renders with every change of the form. The server's own tile adds the 20-character trace code.
 */
export function WatermarkPreview({
  template,
  customText,
  style,
}: {
  template: string;
  customText: string;
  style: WatermarkStyle;
}) {
  const translate = useTranslate();
  const t = (key: string) => translate(`watermarks.preview.${key}`);
  const session = useSession();
  const name = session?.user?.displayName ?? session?.user?.username ?? "张三";
  const lines = fillTemplate(template, sampleValues(dayjs(), { name, department: t("sampleDepartment") }, customText));
  const props = previewProps(style);

  return (
    <div data-testid="watermark-preview" data-lines={lines.join("\n")}>
      <Watermark content={lines.length > 0 ? lines : undefined} {...props}>
        <div
          style={{
            height: 320,
            border: "1px solid #f0f0f0",
            borderRadius: 8,
            padding: 16,
            background: "#fafafa",
            overflow: "hidden",
          }}
        >
          <Typography.Text strong>{t("mockTitle")}</Typography.Text>
          {[t("mock1"), t("mock2"), t("mock3")].map((line, i) => (
            <div
              key={i}
              style={{
                margin: "12px 0",
                padding: "8px 12px",
                background: i % 2 ? "#e6f4ff" : "#fff",
                borderRadius: 8,
                width: "fit-content",
                marginLeft: i % 2 ? "auto" : 0,
              }}
            >
              {line}
            </div>
          ))}
        </div>
      </Watermark>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
        {style.visible ? t("hint") : t("invisibleHint")}
      </Typography.Paragraph>
    </div>
  );
}
